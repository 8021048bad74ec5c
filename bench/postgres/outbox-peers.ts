/**
 * eventrail's outbox beside graphile-worker 0.17 and pg-boss 10 (see peers.ts): the same
 * workload for each, BENCH_PEER_EVENTS events (default 20000) committed 100 per transaction
 * before the clock starts, then delivered by 1 or 4 workers to a handler that only counts; each
 * library at its defaults and tuned; interleaved rounds, best round. A run that has not
 * delivered everything after BENCH_PEER_TIMEOUT_MS (default 20000) counts what it delivered
 * by then. Then commit → delivery latency, one event per transaction, one worker.
 */
import type { BenchDatabase } from '../lib/database.js';
import { agentEvent, chunk } from '../lib/events.js';
import { note, percentile, report } from '../lib/report.js';
import { installPeers, PEERS, type Peer, type Setting } from './peers.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const EVENTS = Number(process.env.BENCH_PEER_EVENTS ?? 20_000);
const TIMEOUT_MS = Number(process.env.BENCH_PEER_TIMEOUT_MS ?? 20_000);
const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 200);
const SETTINGS: readonly Setting[] = ['defaults', 'tuned'];

async function commit(db: BenchDatabase, peer: Peer, count: number, perTransaction: number) {
  const pool = db.pool(1);
  const client = await pool.connect();
  try {
    const events = Array.from({ length: count }, (_, i) => agentEvent(i));
    for (const part of chunk(events, perTransaction)) {
      await client.query('BEGIN');
      await peer.add(client, part);
      await client.query('COMMIT');
    }
  } finally {
    client.release();
    await pool.end();
  }
}

/** One run: commits the backlog, then times its delivery; resolves with events/s and how many. */
async function throughput(db: BenchDatabase, peer: Peer, setting: Setting, workers: number) {
  await peer.reset(db);
  await commit(db, peer, EVENTS, 100);
  const seen = new Set<string>();
  let finished = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const timer = setTimeout(finished, TIMEOUT_MS);
  const started = performance.now();
  const running = await peer.start(db, setting, workers, (keys) => {
    for (const key of keys) seen.add(key);
    if (seen.size >= EVENTS) finished();
  });
  await done;
  const seconds = (performance.now() - started) / 1000;
  clearTimeout(timer);
  const delivered = seen.size;
  await running.stop();
  return { rate: delivered / seconds, delivered };
}

export async function outboxPeers(db: BenchDatabase): Promise<void> {
  const uninstall = await installPeers(db);
  try {
    const candidates = PEERS.flatMap((peer) =>
      SETTINGS.flatMap((setting) =>
        [1, 4].map((workers) => ({ peer, setting, workers, best: 0, delivered: 0 })),
      ),
    );
    for (let round = 1; round <= REPEATS; round++) {
      for (const c of candidates) {
        const { rate, delivered } = await throughput(db, c.peer, c.setting, c.workers);
        if (rate > c.best) Object.assign(c, { best: rate, delivered });
        note(
          `round ${round}: ${c.peer.name} ${c.setting}, ${c.workers} worker(s): ${rate.toFixed(0)} events/s`,
        );
      }
    }
    for (const c of candidates) {
      const others = candidates.filter(
        (o) => o.peer !== c.peer && o.setting === c.setting && o.workers === c.workers,
      );
      const bestPeer = others.reduce((a, b) => (b.best > a.best ? b : a));
      report({
        scenario: `outbox-vs-peers-${c.workers}`,
        peer: c.peer.name,
        ...(c.setting === 'defaults' ? { defaults: true } : {}),
        setting: c.setting,
        unit: 'events/s',
        value: c.best,
        delivered: c.delivered,
        events: EVENTS,
        workers: c.workers,
        ...(c.peer.name === 'eventrail'
          ? { bestPeer: bestPeer.peer.name, vsBestPeer: c.best / bestPeer.best, goal: 1.2 }
          : {}),
        rounds: REPEATS,
      });
    }
    for (const peer of PEERS) {
      for (const setting of SETTINGS) await latency(db, peer, setting);
    }
  } finally {
    await uninstall();
  }
}

/** Commit → handler latency: one event per transaction, 5–15 ms apart, one worker. */
async function latency(db: BenchDatabase, peer: Peer, setting: Setting): Promise<void> {
  await peer.reset(db);
  const committed = new Map<string, number>();
  const latencies: number[] = [];
  const running = await peer.start(db, setting, 1, (keys) => {
    const now = performance.now();
    for (const key of keys) latencies.push(now - (committed.get(key) ?? now));
  });
  const pool = db.pool(1);
  const client = await pool.connect();
  try {
    for (let i = 0; i < LATENCY_EVENTS; i++) {
      await client.query('BEGIN');
      const [key] = await peer.add(client, [agentEvent(i)]);
      await client.query('COMMIT');
      committed.set(key as string, performance.now());
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
    }
    const deadline = performance.now() + TIMEOUT_MS;
    while (latencies.length < LATENCY_EVENTS && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    client.release();
    await pool.end();
    await running.stop();
  }
  const sorted = latencies.sort((a, b) => a - b);
  report({
    scenario: 'outbox-vs-peers-latency',
    peer: peer.name,
    ...(setting === 'defaults' ? { defaults: true } : {}),
    setting,
    unit: 'ms commit → handler, p50',
    value: percentile(sorted, 50),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    delivered: sorted.length,
    events: LATENCY_EVENTS,
  });
}
