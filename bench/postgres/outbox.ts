/**
 * Outbox: publish rate of 1 and 4 `OutboxPublisher`s (at the defaults, with claims that never
 * grow, tuned, and one with `ordering: 'aggregate'`) divided by the fastest raw claim + mark-published loop on the same
 * table with as many connections, measured in the same run (interleaved rounds, best round); and
 * commit → publish latency with NOTIFY and with polling alone.
 */
import type { EventRecord, Sink } from '../../src/index.js';
import {
  OutboxPublisher,
  type OutboxPublisherOptions,
  OutboxWriter,
} from '../../src/postgres/index.js';
import { resolvePublisherOptions } from '../../src/postgres/outbox/options.js';
import type { Candidate } from '../lib/candidate.js';
import type { BenchDatabase } from '../lib/database.js';
import { agentEvent, chunk } from '../lib/events.js';
import { note, percentile, report } from '../lib/report.js';
import { rawPublish } from './outbox-raw.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
/** Events of the latency runs, one transaction each. */
const LATENCY_EVENTS = Number(process.env.BENCH_LATENCY_EVENTS ?? 200);

/** A stand-in database for resolving a line's options, which never queries it. */
const NO_DATABASE = { query: () => Promise.reject(new Error('not a database')) } as never;

/** Empties the outbox and commits `count` pending events (1000 per transaction), untimed. */
async function fill(db: BenchDatabase, count: number): Promise<void> {
  await db.reset();
  const pool = db.pool(1);
  const client = await pool.connect();
  try {
    const writer = new OutboxWriter({ notify: false });
    const events = Array.from({ length: count }, (_, i) => ({
      ...agentEvent(i),
      aggregateId: `chat-${i % 1000}`,
    }));
    for (const part of chunk(events, 1000)) {
      await client.query('BEGIN');
      await writer.write(client, part);
      await client.query('COMMIT');
    }
    await client.query('VACUUM ANALYZE eventrail.event_outbox');
  } finally {
    client.release();
    await pool.end();
  }
}

/** Publishers on the filled outbox; resolves with the seconds until every row was settled. */
async function publish(
  db: BenchDatabase,
  count: number,
  publishers: number,
  options: Partial<OutboxPublisherOptions>,
): Promise<number> {
  const pool = db.pool(publishers * 3 + 1);
  const discard: Sink = { name: 'discard', write: async () => {} };
  const all = Array.from(
    { length: publishers },
    () => new OutboxPublisher({ db: pool, sinks: [discard], ...options }),
  );
  let settled = 0;
  const done = new Promise<void>((resolve) => {
    for (const p of all) {
      p.on('batch', (b) => {
        settled += b.published;
        if (settled >= count) resolve();
      });
      p.on('error', (e) => note(`publisher error: ${e.message}`));
    }
  });
  const started = performance.now();
  await Promise.all(all.map((p) => p.start()));
  await done;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(all.map((p) => p.close()));
  await pool.end();
  return seconds;
}

/** One publisher configuration of the bench, and the name of its JSON line. */
interface PublishScenario {
  readonly name: string;
  readonly publishers: number;
  /** Over the defaults; none means the library's defaults. */
  readonly options?: Partial<OutboxPublisherOptions>;
}

/** The settings of 0.1: claims of 100 that never grow, one in flight. */
const FIXED_100 = { maxClaimSize: 100, claimsInFlight: 1 };
const TUNED = { maxClaimSize: 5000, claimsInFlight: 2 };
const SCENARIOS: readonly PublishScenario[] = [
  { name: 'outbox-publish-1', publishers: 1 },
  { name: 'outbox-publish-4', publishers: 4 },
  { name: 'outbox-publish-1-ordered', publishers: 1, options: { ordering: 'aggregate' } },
  { name: 'outbox-publish-1-fixed100', publishers: 1, options: FIXED_100 },
  { name: 'outbox-publish-4-fixed100', publishers: 4, options: FIXED_100 },
  { name: 'outbox-publish-1-inflight1', publishers: 1, options: { claimsInFlight: 1 } },
  { name: 'outbox-publish-4-inflight1', publishers: 4, options: { claimsInFlight: 1 } },
  { name: 'outbox-publish-1-tuned', publishers: 1, options: TUNED },
  { name: 'outbox-publish-4-tuned', publishers: 4, options: TUNED },
];

/**
 * Each publisher line is divided by the fastest raw loop with as many connections as it has
 * publishers, over batches of 100 and 1000; `rawSameConnections` is the fastest raw loop with
 * as many connections as its claims in flight (publishers × claimsInFlight, when measured).
 */
export async function outboxPublish(db: BenchDatabase, count: number): Promise<void> {
  const raw = (workers: number, batchSize: number): Candidate => ({
    label: `raw SKIP LOCKED loop, ${workers} connection(s), batch ${batchSize}`,
    best: 0,
    async run() {
      const pool = db.pool(workers);
      try {
        return count / (await rawPublish(pool, workers, batchSize, count));
      } finally {
        await pool.end();
      }
    },
  });
  const raws = new Map(
    [1, 2, 4].map((workers) => [workers, [raw(workers, 100), raw(workers, 1000)]] as const),
  );
  const lines = SCENARIOS.map((s) => ({
    ...s,
    value: {
      label: `${s.publishers} publisher(s), ${s.options ? JSON.stringify(s.options) : 'defaults'}`,
      best: 0,
      run: async () => count / (await publish(db, count, s.publishers, s.options ?? {})),
    } satisfies Candidate,
  }));
  const candidates = [...[...raws.values()].flat(), ...lines.map((l) => l.value)];
  for (let round = 1; round <= REPEATS; round++) {
    for (const c of candidates) {
      await fill(db, count);
      const value = await c.run();
      c.best = Math.max(c.best, value);
      note(`round ${round}: ${c.label}: ${value.toFixed(0)} events/s`);
    }
  }
  for (const line of lines) {
    const loops = raws.get(line.publishers);
    if (!loops)
      throw new Error(`no raw loop with ${line.publishers} connection(s) to compare with`);
    const fastest = loops.reduce((a, b) => (b.best > a.best ? b : a));
    const connections =
      line.publishers *
      // The options alone decide the claims in flight; the database is never looked at.
      resolvePublisherOptions({ db: NO_DATABASE, publish: async () => {}, ...line.options })
        .claimsInFlight;
    const same = raws.get(connections)?.reduce((a, b) => (b.best > a.best ? b : a));
    report({
      scenario: line.name,
      ...(line.options ? {} : { defaults: true, goal: 0.8 }),
      unit: 'events/s',
      value: line.value.best,
      raw: fastest.best,
      rawMethod: fastest.label,
      ...(same && same !== fastest
        ? { rawSameConnections: same.best, ratioSameConnections: line.value.best / same.best }
        : {}),
      config: `${line.value.label}, no-op sink`,
      events: count,
      rounds: REPEATS,
    });
  }
}

/** Commits one event per transaction every few ms; resolves with commit → sink latencies. */
async function latencies(db: BenchDatabase, listen: boolean): Promise<number[]> {
  await db.reset();
  const pool = db.pool(3);
  const committed = new Map<string, number>();
  const seen: number[] = [];
  const sink: Sink = {
    name: 'clock',
    async write(batch: readonly EventRecord[]) {
      const now = performance.now();
      for (const e of batch) seen.push(now - (committed.get(e.id) ?? now));
    },
  };
  const publisher = new OutboxPublisher({ db: pool, sinks: [sink], listen });
  await publisher.start();
  const writer = new OutboxWriter();
  const client = await pool.connect();
  try {
    for (let i = 0; i < LATENCY_EVENTS; i++) {
      await client.query('BEGIN');
      const id = await writer.write(client, agentEvent(i));
      await client.query('COMMIT');
      committed.set(id, performance.now());
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
    }
    while (seen.length < LATENCY_EVENTS) await new Promise((r) => setTimeout(r, 20));
  } finally {
    client.release();
    await publisher.close();
    await pool.end();
  }
  return seen.sort((a, b) => a - b);
}

export async function outboxLatency(db: BenchDatabase): Promise<void> {
  for (const [scenario, listen] of [
    ['outbox-latency-notify', true],
    ['outbox-latency-poll-only', false],
  ] as const) {
    const sorted = await latencies(db, listen);
    report({
      scenario,
      ...(listen ? { defaults: true } : {}),
      unit: 'ms commit → sink, p50',
      value: percentile(sorted, 50),
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      events: sorted.length,
      config: listen ? 'LISTEN/NOTIFY, pollIntervalMs 1000' : 'polling only, pollIntervalMs 1000',
      goalP99Ms: listen ? 20 : undefined,
    });
  }
}
