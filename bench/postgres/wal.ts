/**
 * `wal`: the WAL transport (an OutboxWriter with `transport: 'wal'`, a WalRelay, an EventStream
 * with `source: 'wal'`) beside the table outbox and graphile-worker, on a server with
 * wal_level = logical (see index.ts), in one database.
 *
 * Committed → delivered, events/s (`wal-delivered-*`): BENCH_PEER_EVENTS events (default 20000),
 * 100 per transaction, to a sink (a handler) that only counts, through the Peers of peers.ts:
 * one WalRelay (a slot has one reader), OutboxPublisher ×1 and ×4, graphile-worker ×4; at the
 * defaults, and tuned for the relay, 4 publishers and graphile-worker. Two workloads:
 * `backlog`, committed by one writer before the clock starts (as outbox-peers; how many wrote
 * it changes nothing that waits), and `live-1` / `live-4`, 1 or 4 writers committing as fast
 * as they can while the consumers run, the clock from the first commit to the last delivery
 * (a steady rate, bounded by the writers': `writtenPerSecond`). Interleaved rounds
 * (BENCH_REPEATS), best round. Each line has `walBytesPerEvent` (the server's WAL over the
 * run, writes and delivery, per event; median of the rounds) and `outboxRowsInserted`
 * (n_tup_ins of event_outbox over the run from pg_stat_user_tables; most of the rounds; the
 * WAL's goal is 0, the table's shows the counter works). The relay's lines have `vsTable4`
 * (goal 2), its rate over 4 publishers' at the same setting, and `vsTable1`, over one
 * publisher's at the defaults. Then
 * `wal-outbox-rows`, the sum over every relay run, and `wal-bytes-per-event`, the relay's median
 * beside 4 publishers' (all workloads and settings).
 *
 * Commit → sink latency (`wal-latency`): one event per transaction, 5–15 ms apart,
 * BENCH_LATENCY_EVENTS (default 200), the relay and one publisher (NOTIFY) at their defaults.
 *
 * Stream (`wal-stream-sse-*`): see streamSources in stream.ts.
 *
 * BENCH_WAL, a comma-separated list of delivered, latency, stream, runs only those.
 */
import type { BenchDatabase } from '../lib/database.js';
import { median, note, report } from '../lib/report.js';
import { EVENTS, latency, throughput, type Workload } from './outbox-peers.js';
import {
  eventrail,
  graphileWorker,
  installPeers,
  type Peer,
  type Setting,
  walRelay,
} from './peers.js';
import { streamSources } from './stream.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);

const WORKLOADS: Readonly<Record<string, Workload>> = {
  backlog: { live: false, writers: 1 },
  'live-1': { live: true, writers: 1 },
  'live-4': { live: true, writers: 4 },
};

/** What delivers: a peer, its workers and setting. */
interface Consumer {
  readonly peer: Peer;
  readonly workers: number;
  readonly setting: Setting;
}

const CONSUMERS: readonly Consumer[] = [
  { peer: walRelay, workers: 1, setting: 'defaults' },
  { peer: walRelay, workers: 1, setting: 'tuned' },
  { peer: eventrail, workers: 1, setting: 'defaults' },
  { peer: eventrail, workers: 4, setting: 'defaults' },
  { peer: eventrail, workers: 4, setting: 'tuned' },
  { peer: graphileWorker, workers: 4, setting: 'defaults' },
  { peer: graphileWorker, workers: 4, setting: 'tuned' },
];

type Run = Awaited<ReturnType<typeof throughput>>;

/** What of the server's configuration moves these figures most; printed on their lines. */
type ServerSettings = Readonly<Record<'fsync' | 'synchronousCommit', string>>;

async function serverSettings(db: BenchDatabase): Promise<ServerSettings> {
  const pool = db.pool(1);
  try {
    const { rows } = await pool.query<ServerSettings>(
      `SELECT current_setting('fsync') AS fsync,
         current_setting('synchronous_commit') AS "synchronousCommit"`,
    );
    return rows[0] as ServerSettings;
  } finally {
    await pool.end();
  }
}

/** How a consumer is named in its line: eventrail's by transport, a peer library as `peer`. */
function named({ peer, workers }: Consumer) {
  if (peer === walRelay) return { transport: 'wal', consumer: 'WalRelay' };
  if (peer === eventrail) return { transport: 'table', consumer: `OutboxPublisher ×${workers}` };
  return { peer: peer.name, consumer: `${peer.name} ×${workers}` };
}

async function delivered(db: BenchDatabase, server: ServerSettings): Promise<void> {
  const candidates = Object.entries(WORKLOADS).flatMap(([workload, load]) =>
    CONSUMERS.map((c) => ({ ...c, workload, load, runs: [] as Run[] })),
  );
  for (let round = 1; round <= REPEATS; round++) {
    for (const c of candidates) {
      const run = await throughput(db, c.peer, c.setting, c.workers, c.load);
      c.runs.push(run);
      note(
        `round ${round}: ${c.workload}, ${named(c).consumer} ${c.setting}: ${run.rate.toFixed(0)} events/s`,
      );
    }
  }
  const best = (c: (typeof candidates)[number]) =>
    c.runs.reduce((a, b) => (b.rate > a.rate ? b : a));
  const publishers = (c: (typeof candidates)[number], workers: number) =>
    candidates.find(
      (o) =>
        o.workload === c.workload &&
        o.peer === eventrail &&
        o.workers === workers &&
        (o.setting === c.setting || workers === 1),
    );
  for (const c of candidates) {
    const top = best(c);
    const table4 = publishers(c, 4);
    const table1 = publishers(c, 1);
    report({
      scenario: `wal-delivered-${c.workload}`,
      ...named(c),
      ...(c.setting === 'defaults' ? { defaults: true } : {}),
      setting: c.setting,
      unit: 'events/s committed → delivered',
      value: top.rate,
      delivered: top.delivered,
      events: EVENTS,
      workers: c.workers,
      writers: c.load.writers,
      live: c.load.live,
      writtenPerSecond: top.writtenPerSecond,
      walBytesPerEvent: median(c.runs.map((r) => r.walBytesPerEvent)),
      outboxRowsInserted: Math.max(...c.runs.map((r) => r.outboxRowsInserted)),
      ...(c.peer === walRelay && table4 && table1
        ? {
            vsTable4: top.rate / best(table4).rate,
            vsTable1: top.rate / best(table1).rate,
            goal: 2,
          }
        : {}),
      rounds: REPEATS,
      ...server,
    });
  }
  const runsOf = (peer: Peer, workers: number) =>
    candidates.filter((c) => c.peer === peer && c.workers === workers).flatMap((c) => c.runs);
  const wal = runsOf(walRelay, 1);
  const table = runsOf(eventrail, 4);
  report({
    scenario: 'wal-outbox-rows',
    unit: 'rows inserted into event_outbox during the WAL runs (pg_stat_user_tables)',
    value: wal.reduce((n, r) => n + r.outboxRowsInserted, 0),
    runs: wal.length,
    ...server,
    tableRowsPerRun: median(table.map((r) => r.outboxRowsInserted)),
    goal: 0,
  });
  const walBytes = median(wal.map((r) => r.walBytesPerEvent));
  const tableBytes = median(table.map((r) => r.walBytesPerEvent));
  report({
    scenario: 'wal-bytes-per-event',
    unit: 'WAL bytes per event, writes and delivery (median of the runs)',
    value: walBytes,
    tableBytesPerEvent: tableBytes,
    vsTable: walBytes / tableBytes,
    runs: wal.length,
    ...server,
  });
}

/** Commit → sink p50/p99, the relay beside one table publisher, both at their defaults. */
async function sinkLatency(db: BenchDatabase, server: ServerSettings): Promise<void> {
  for (const peer of [walRelay, eventrail]) {
    const measured = await latency(db, peer, 'defaults');
    report({
      scenario: 'wal-latency',
      ...named({ peer, workers: 1, setting: 'defaults' }),
      defaults: true,
      ...measured,
      unit: 'ms commit → sink, p50',
      ...(peer === walRelay ? { goalP99Ms: 5 } : {}),
      ...server,
    });
  }
}

/** The parts named in BENCH_WAL (comma-separated: delivered, latency, stream), else all. */
export async function walBench(db: BenchDatabase): Promise<void> {
  const parts = process.env.BENCH_WAL?.split(',');
  const only = (name: string) => parts === undefined || parts.includes(name);
  if (only('delivered') || only('latency')) {
    const uninstall = await installPeers(db);
    try {
      const server = await serverSettings(db);
      if (only('delivered')) await delivered(db, server);
      if (only('latency')) await sinkLatency(db, server);
    } finally {
      await uninstall();
    }
    await db.reset();
  }
  if (only('stream')) await streamSources(db);
}
