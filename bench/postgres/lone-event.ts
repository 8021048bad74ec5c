/**
 * Lone-event latency: with the library's defaults, an event logged when nothing else is waiting
 * is written within `flushIntervalMs` plus one statement. Measured from `logEvent` to the end of
 * the sink's write (the logger's `batch` event), one event at a time, with idle gaps between.
 */
import { DEFAULT_PIPELINE_OPTIONS, EventLogger } from '../../src/index.js';
import { PostgresSink } from '../../src/postgres/index.js';
import type { BenchDatabase } from '../lib/database.js';
import { agentEvent } from '../lib/events.js';
import { percentile, report } from '../lib/report.js';

const EVENTS = Number(process.env.BENCH_LONE_EVENTS ?? 50);

export async function loneEventLatency(db: BenchDatabase): Promise<void> {
  await db.reset();
  const pool = db.pool(2);
  const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool })], fallback: null });
  const latencies: number[] = [];
  try {
    // One event first, so that the pool's connection is open, as in a running service.
    await logger.logEvent(agentEvent(0));
    await logger.flush();
    for (let i = 0; i < EVENTS; i++) {
      const written = new Promise<number>((resolve) =>
        logger.once('batch', () => resolve(performance.now())),
      );
      const started = performance.now();
      await logger.logEvent(agentEvent(i));
      latencies.push((await written) - started);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
    }
  } finally {
    await logger.close();
    await pool.end();
  }
  const sorted = latencies.sort((a, b) => a - b);
  const { flushIntervalMs } = DEFAULT_PIPELINE_OPTIONS;
  report({
    scenario: 'logger-lone-event-latency',
    defaults: true,
    unit: 'ms logEvent → written, p50',
    value: percentile(sorted, 50),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    flushIntervalMs,
    goal: 'p99Ms ≤ flushIntervalMs + one statement',
    events: sorted.length,
    config: 'logger → PostgresSink at the defaults, one event at a time, 20–50 ms apart',
  });
}
