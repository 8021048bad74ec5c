/**
 * eventrail's outbox beside graphile-worker 0.17 and pg-boss 10 (see peers.ts): the same
 * workload for each, BENCH_PEER_EVENTS events (default 20000) committed 100 per transaction
 * before the clock starts, then delivered by 1 or 4 workers to a handler that only counts; each
 * library at its defaults and tuned; interleaved rounds, best round. A run that has not
 * delivered everything after BENCH_PEER_TIMEOUT_MS (default 20000) counts what it delivered
 * by then. Then commit → delivery latency, one event per transaction, one worker.
 */
import type { EventInput } from '../../src/index.js';
import type { BenchDatabase } from '../lib/database.js';
import { agentEvent, chunk } from '../lib/events.js';
import { note, percentile, report } from '../lib/report.js';
import { installPeers, PEERS, type Peer, type Setting } from './peers.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
export const EVENTS = Number(process.env.BENCH_PEER_EVENTS ?? 20_000);
const TIMEOUT_MS = Number(process.env.BENCH_PEER_TIMEOUT_MS ?? 20_000);
const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 200);
const SETTINGS: readonly Setting[] = ['defaults', 'tuned'];

/**
 * Commits `count` events through `peer`, `perTransaction` per transaction, from `writers`
 * connections at once (each takes every `writers`-th transaction); resolves with the seconds it
 * took.
 */
async function commit(
  db: BenchDatabase,
  peer: Peer,
  count: number,
  perTransaction: number,
  writers: number,
): Promise<number> {
  const pool = db.pool(writers);
  const started = performance.now();
  try {
    const parts = chunk(
      Array.from({ length: count }, (_, i) => agentEvent(i)),
      perTransaction,
    );
    const write = async (writer: number) => {
      const client = await pool.connect();
      try {
        for (let at = writer; at < parts.length; at += writers) {
          await client.query('BEGIN');
          await peer.add(client, parts[at] as EventInput[]);
          await client.query('COMMIT');
        }
      } finally {
        client.release();
      }
    };
    await Promise.all(Array.from({ length: writers }, (_, w) => write(w)));
    return (performance.now() - started) / 1000;
  } finally {
    await pool.end();
  }
}

/**
 * How the events reach the workers, 100 per transaction from `writers` connections at once:
 * committed before the clock starts (`live: false`, a backlog), or while the workers run
 * (`live: true`, delivered as written).
 */
export interface Workload {
  readonly live: boolean;
  readonly writers: number;
}

/** The server's WAL position (bytes) and the rows inserted into event_outbox so far. */
async function serverCounters(db: BenchDatabase) {
  const pool = db.pool(1);
  try {
    const { rows } = await pool.query<{ lsn: string; inserted: string }>(
      `SELECT pg_current_wal_lsn() - '0/0' AS lsn, n_tup_ins AS inserted
         FROM pg_stat_user_tables WHERE relid = 'eventrail.event_outbox'::regclass`,
    );
    const { lsn, inserted } = rows[0] as { lsn: string; inserted: string };
    return { lsn: Number(lsn), inserted: Number(inserted) };
  } finally {
    await pool.end();
  }
}

/**
 * One run (see Workload); resolves with events/s from the start of the clock (before the
 * workers start for a backlog, before the first commit when live) to the last delivery, how many
 * were delivered, the writers' own rate, and what the whole run (writes and delivery) cost the
 * server: WAL bytes per event (the server's, so whatever else it runs meanwhile counts too) and
 * rows inserted into event_outbox (pg_stat_user_tables, read after the writers' connections
 * ended, which reports their counts).
 */
export async function throughput(
  db: BenchDatabase,
  peer: Peer,
  setting: Setting,
  workers: number,
  { live, writers }: Workload = { live: false, writers: 1 },
) {
  await peer.reset(db);
  const before = await serverCounters(db);
  const backlog = live ? 0 : await commit(db, peer, EVENTS, 100, writers);
  const seen = new Set<string>();
  let finished = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  let started = performance.now();
  const running = await peer.start(db, setting, workers, (keys) => {
    for (const key of keys) seen.add(key);
    if (seen.size >= EVENTS) finished();
  });
  if (live) started = performance.now();
  const writing = live ? commit(db, peer, EVENTS, 100, writers) : Promise.resolve(backlog);
  // A writer that fails ends the wait; its error is thrown below.
  writing.catch(finished);
  const timer = setTimeout(finished, TIMEOUT_MS);
  await done;
  const seconds = (performance.now() - started) / 1000;
  clearTimeout(timer);
  const delivered = seen.size;
  await running.stop();
  const writeSeconds = await writing;
  const after = await serverCounters(db);
  return {
    rate: delivered / seconds,
    delivered,
    writtenPerSecond: EVENTS / writeSeconds,
    walBytesPerEvent: (after.lsn - before.lsn) / EVENTS,
    outboxRowsInserted: after.inserted - before.inserted,
  };
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
      for (const setting of SETTINGS) {
        const measured = await latency(db, peer, setting);
        report({
          scenario: 'outbox-vs-peers-latency',
          peer: peer.name,
          ...(setting === 'defaults' ? { defaults: true } : {}),
          setting,
          ...measured,
        });
      }
    }
  } finally {
    await uninstall();
  }
}

/**
 * Commit → handler latency: one event per transaction, 5–15 ms apart, one worker; resolves with
 * the figures of its line.
 */
export async function latency(db: BenchDatabase, peer: Peer, setting: Setting) {
  await peer.reset(db);
  const committed = new Map<string, number>();
  const latencies: number[] = [];
  // Delivered before the writer had the COMMIT's answer: counted as no latency at all.
  let early = 0;
  const running = await peer.start(db, setting, 1, (keys) => {
    const now = performance.now();
    for (const key of keys) {
      const at = committed.get(key);
      if (at === undefined) early += 1;
      latencies.push(now - (at ?? now));
    }
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
  return {
    unit: 'ms commit → handler, p50',
    value: percentile(sorted, 50),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    delivered: sorted.length,
    beforeCommitAnswer: early,
    events: LATENCY_EVENTS,
  };
}
