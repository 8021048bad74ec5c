/**
 * `consume-live-latency`: commit → handler latency of a live consumer at its defaults: a durable
 * `Consumer` (one member, from 'now'; `"consumer": "Consumer"`), then an EventStream
 * subscription (`"consumer": "EventStream subscription"`), each its own line.
 * BENCH_LIVE_EVENTS events (default 2000) are logged one per transaction at a steady
 * BENCH_LIVE_RATE per second (default 200) through a PostgresSink on a transaction's client; an
 * event's latency runs from the moment its COMMIT is sent (so it can only overstate) to the
 * moment the handler is given it. Untimed events before, one every 100 ms until one arrives, show
 * that the consumer is live.
 */
import type pg from 'pg';
import { normalizeEvent } from '../../src/index.js';
import { Consumer, EventStream, PostgresSink } from '../../src/postgres/index.js';
import type { BenchDatabase } from '../lib/database.js';
import { agentEvent } from '../lib/events.js';
import { note, percentile, report } from '../lib/report.js';
import { forgetConsumers } from './consuming.js';

const EVENTS = Number(process.env.BENCH_LIVE_EVENTS ?? 2000);
const RATE = Number(process.env.BENCH_LIVE_RATE ?? 200);
const TIMEOUT_MS = 10_000;
const LIVE_NAME = 'bench-live';

/** A live consumer under test: `start` calls `handled(id)` as its handler gets each event. */
export interface LiveConsumer {
  readonly label: string;
  start(pool: pg.Pool, handled: (id: string) => void): Promise<() => Promise<void>>;
}

/** A durable Consumer (one member) from 'now' at its defaults; the handler only notes. */
export const liveConsumer: LiveConsumer = {
  label: 'Consumer',
  async start(pool, handled) {
    await forgetConsumers(pool, LIVE_NAME);
    const consumer = new Consumer({
      db: pool,
      name: LIVE_NAME,
      from: 'now',
      handle: async (events) => {
        for (const e of events) handled(e.id);
      },
    });
    consumer.on('error', (error) => note(`consume-live-latency: consumer error: ${error.message}`));
    await consumer.start();
    return async () => {
      await consumer.close();
      await forgetConsumers(pool, LIVE_NAME);
    };
  },
};

/** An EventStream subscription of every event of the events' user (live: no `after`). */
export const liveSubscription: LiveConsumer = {
  label: 'EventStream subscription',
  async start(pool, handled) {
    const stream = new EventStream({ db: pool });
    stream.on('error', (error) => note(`consume-live-latency: stream error: ${error.message}`));
    const sub = stream.subscribe({ userId: 'user-0' });
    const loop = (async () => {
      for await (const { event } of sub) handled(event.id);
    })();
    return async () => {
      await stream.close();
      await loop;
    };
  },
};

/** Logs one event in its own transaction; `sent` gets its id and when its COMMIT was sent. */
async function commitOne(client: pg.PoolClient, i: number, sent: Map<string, number>) {
  const record = normalizeEvent({ ...agentEvent(i * 50), userId: 'user-0' }, {});
  await client.query('BEGIN');
  await new PostgresSink({ db: client }).write([record]);
  const commit = client.query('COMMIT');
  sent.set(record.id, performance.now());
  await commit;
}

async function until(done: () => boolean, timeoutMs = TIMEOUT_MS): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return done();
}

export async function liveLatency(db: BenchDatabase, consumer: LiveConsumer): Promise<void> {
  await db.reset();
  const pool = db.pool(4);
  const writer = db.pool(1);
  const client = await writer.connect();
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  const seen = new Set<string>();
  // A handler may be given an event again (a batch rolled back): only its first time counts.
  const stop = await consumer.start(pool, (id) => {
    const at = sent.get(id);
    if (at !== undefined && !seen.has(id)) latencies.push(performance.now() - at);
    seen.add(id);
  });
  try {
    // A consumer is live once it is given an event committed after it started: log one every
    // 100 ms until one comes (one committed before its start may never come, as it should not).
    const warmUp = new Map<string, number>();
    const live = () => [...warmUp.keys()].some((id) => seen.has(id));
    for (let i = 0; !live(); i++) {
      if (i === TIMEOUT_MS / 100) throw new Error(`${consumer.label} never went live`);
      await commitOne(client, 0, warmUp);
      await until(live, 100);
    }
    const started = performance.now();
    for (let i = 1; i <= EVENTS; i++) {
      await commitOne(client, i, sent);
      const next = started + (i * 1000) / RATE;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
    await until(() => latencies.length === EVENTS);
  } finally {
    client.release();
    await writer.end();
    await stop();
    await pool.end();
  }
  const sorted = latencies.sort((a, b) => a - b);
  if (sorted.length !== EVENTS) throw new Error(`handled ${sorted.length} of ${EVENTS} events`);
  report({
    scenario: 'consume-live-latency',
    consumer: consumer.label,
    defaults: true,
    unit: 'ms commit → handler, p50',
    value: percentile(sorted, 50),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    events: EVENTS,
    ratePerSecond: RATE,
  });
}
