/**
 * What keeping the rollups costs the writers: logger → Postgres (EventLogger + PostgresSink,
 * library defaults) with a RollupWorker (library defaults, its own pool) folding beside it,
 * against the same logger without one; `count` events per run, BENCH_REPEATS rounds
 * alternating, each on emptied tables and an emptied rollup; the best round of each counts.
 * The worker's lag is read as the logger's close returns, then how long it took to fold the rest.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EventLogger } from '../../src/index.js';
import { PostgresSink, RollupWorker } from '../../src/postgres/index.js';
import { type Candidate, loggerCandidate } from '../lib/candidate.js';
import type { BenchDatabase } from '../lib/database.js';
import { median, note, report } from '../lib/report.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const CATCH_UP_LIMIT_MS = 120_000;

/** How the worker stood when the logger closed, per run with it. */
interface Lag {
  readonly unfolded: number;
  readonly catchUpMs: number;
}

function logger(db: BenchDatabase, count: number, lags?: Lag[]): Candidate {
  const label = lags ? 'logger, defaults, RollupWorker beside' : 'logger, defaults, no rollups';
  return loggerCandidate(label, count, async () => {
    const pool = db.pool(2);
    const workerPool = db.pool(2);
    const worker = lags ? new RollupWorker({ db: workerPool }) : undefined;
    worker?.on('error', (error) => note(`rollups: worker error: ${error.message}`));
    await worker?.start();
    const eventLogger = new EventLogger({
      sinks: [new PostgresSink({ db: pool })],
      fallback: null,
    });
    const release = async () => {
      if (worker && lags) {
        const unfolded = count - worker.metrics().folded;
        const started = performance.now();
        while (worker.metrics().folded < count) {
          if (performance.now() - started > CATCH_UP_LIMIT_MS) {
            throw new Error(`rollup worker folded ${worker.metrics().folded} of ${count}`);
          }
          await sleep(20);
        }
        lags.push({ unfolded, catchUpMs: performance.now() - started });
        await worker.close();
      }
      await Promise.all([pool.end(), workerPool.end()]);
    };
    return { logger: eventLogger, sink: 'postgres', release };
  });
}

export async function rollupWriteCost(db: BenchDatabase, count: number): Promise<void> {
  const lags: Lag[] = [];
  const withWorker = logger(db, count, lags);
  const without = logger(db, count);
  const rates = new Map<Candidate, number[]>([
    [withWorker, []],
    [without, []],
  ]);
  const admin = db.pool(1);
  try {
    for (let round = 1; round <= REPEATS; round++) {
      // Alternate which goes first, so that neither always follows the other's checkpoint.
      const order = round % 2 === 1 ? [withWorker, without] : [without, withWorker];
      for (const candidate of order) {
        await db.reset();
        await admin.query('TRUNCATE eventrail.event_rollups');
        await admin.query('DELETE FROM eventrail.rollups');
        const rate = await candidate.run();
        candidate.best = Math.max(candidate.best, rate);
        rates.get(candidate)?.push(rate);
        note(`round ${round}: ${candidate.label}: ${rate.toFixed(0)} events/s`);
      }
    }
  } finally {
    await admin.end();
  }
  report({
    scenario: 'rollups-write-cost',
    defaults: true,
    goal: 0.9,
    unit: 'events/s',
    value: withWorker.best,
    raw: without.best,
    ratesWithWorker: rates.get(withWorker),
    ratesWithout: rates.get(without),
    unfoldedAtCloseMedian: median(lags.map((l) => l.unfolded)),
    catchUpMsMedian: median(lags.map((l) => l.catchUpMs)),
    events: count,
    rounds: REPEATS,
    note: 'value: logger → Postgres with a RollupWorker folding beside it; raw: the same logger without one (best rounds)',
  });
}
