/**
 * Retention on the partitioned event_logs: expiring old rows by dropping partitions vs DELETE
 * (time, and the logger's rate meanwhile); the logger at defaults on the partitioned table vs the
 * raw limit on the unpartitioned one; scoped and time-bounded pages over many daily partitions.
 * Sizes: BENCH_RETENTION_ROWS (rows expired, default 1,000,000), BENCH_RETENTION_QUERY_ROWS
 * (rows paged, default 10,000,000, over BENCH_RETENTION_DAYS daily partitions, default 61).
 * BENCH_RETENTION_KEEP_DATABASE names a database the paged rows are generated in once and kept,
 * so that later runs page them again (10M rows take tens of minutes to generate on 2 cores).
 * Page lines carry the wall-time median and, from EXPLAIN ANALYZE, the median planning and
 * execution time of the statements a page sends.
 */
import type pg from 'pg';
import { EventLogger } from '../../src/index.js';
import { EventQueries, maintain, PostgresSink, rollback } from '../../src/postgres/index.js';
import { partitionName } from '../../src/postgres/maintenance/plan.js';
import { loadMigrations } from '../../src/postgres/migrate/files.js';
import { generateEvents } from '../../tests/helpers/events.js';
import { loggerCandidate } from '../lib/candidate.js';
import { type BenchDatabase, createBenchDatabase } from '../lib/database.js';
import { agentEvent } from '../lib/events.js';
import { median, note, percentile, report } from '../lib/report.js';
import { rawCandidates } from './logger.js';

const DAY = 86_400_000;
const TODAY = Math.floor(Date.now() / DAY) * DAY;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SAMPLES = Number(process.env.BENCH_QUERY_SAMPLES ?? 200);
/** Pages explained (EXPLAIN ANALYZE) per scenario, for the median planning and execution time. */
const EXPLAINS = 21;

/** Daily partitions for the days [first, last] relative to today, made by hand (the past). */
async function makeDays(pool: pg.Pool, first: number, last: number): Promise<void> {
  for (let d = first; d <= last; d++) {
    const from = new Date(TODAY + d * DAY).toISOString();
    const to = new Date(TODAY + (d + 1) * DAY).toISOString();
    await pool.query(`CREATE TABLE IF NOT EXISTS eventrail.${partitionName(TODAY + d * DAY)}
      PARTITION OF eventrail.event_logs FOR VALUES FROM ('${from}') TO ('${to}')`);
  }
}

/** `rows` generated rows, evenly over the days [first, last] (relative to today). */
async function fill(pool: pg.Pool, rows: number, first: number, last: number): Promise<void> {
  const span = (last - first + 1) * DAY - 2000;
  for (let done = 0; done < rows; done += 500_000) {
    await generateEvents(pool, {
      count: Math.min(500_000, rows - done),
      users: 10,
      end: new Date(TODAY + (last + 1) * DAY - 1000),
      stepMs: span / rows,
      first: done + 1,
    });
  }
  await pool.query('VACUUM ANALYZE eventrail.event_logs');
}

/**
 * Logs agent events flat out (default options) while `work` runs, and for at least `minMs`;
 * returns how long `work` took and the events/s the logger wrote over the whole window.
 */
async function whileLogging(db: BenchDatabase, work: () => Promise<unknown>, minMs = 2000) {
  const pool = db.pool(2);
  const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool })], fallback: null });
  const written = () => logger.metrics().sinks.postgres?.written ?? 0;
  let logging = true;
  const writer = (async () => {
    for (let i = 0; logging; i += 1000) {
      await logger.logEvents(Array.from({ length: 1000 }, (_, k) => agentEvent(i + k)));
    }
  })();
  await new Promise((r) => setTimeout(r, 500));
  const before = written();
  const started = performance.now();
  await work();
  const workMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, Math.max(0, minMs - workMs)));
  const rate = ((written() - before) * 1000) / (performance.now() - started);
  logging = false;
  await writer;
  await logger.close();
  await pool.end();
  return { workMs, loggerEventsPerSec: rate };
}

/** Expiring `rows` rows of 10 days past the 90 kept: drop their partitions, or DELETE them. */
export async function expiryBench(db: BenchDatabase, rows: number): Promise<void> {
  const pool = db.pool(1);
  try {
    const seed = async () => {
      await db.reset();
      await makeDays(pool, -110, -101);
      note(`retention: ${rows} rows over 10 days, 101–110 days old`);
      await fill(pool, rows, -110, -101);
    };
    await seed();
    const idle = await whileLogging(db, async () => {});
    const drop = await whileLogging(db, async () => {
      const result = await maintain(pool, { retention: '90 days' });
      if (result.dropped.length !== 10) throw new Error(`dropped ${result.dropped.length} of 10`);
    });
    await seed();
    const cut = new Date(Date.now() - 90 * DAY);
    const del = await whileLogging(db, async () => {
      const { rowCount } = await pool.query(
        'DELETE FROM eventrail.event_logs WHERE created_at < $1',
        [cut],
      );
      if (rowCount !== rows) throw new Error(`deleted ${rowCount} of ${rows}`);
    });
    report({
      scenario: 'retention-expire-drop-vs-delete',
      unit: 'ms',
      value: drop.workMs,
      raw: del.workMs,
      ratio: drop.workMs / del.workMs,
      rows,
      deleteMs: del.workMs,
      loggerEventsPerSecIdle: idle.loggerEventsPerSec,
      loggerEventsPerSecDuringDrop: drop.loggerEventsPerSec,
      loggerEventsPerSecDuringDelete: del.loggerEventsPerSec,
      note: 'value: maintain() dropping 10 partitions; raw: one DELETE of the same rows; logger rates over max(2 s, the work)',
    });
  } finally {
    await pool.end();
  }
}

/** Logger at defaults into the partitioned table vs the raw limit on the unpartitioned one. */
export async function partitionedLoggerBench(count: number): Promise<void> {
  const partitioned = await createBenchDatabase('eventrail_bench_partitioned');
  const plain = await createBenchDatabase('eventrail_bench_unpartitioned');
  try {
    const names = loadMigrations('eventrail').map((m) => m.name);
    const admin = plain.pool(1);
    await rollback(admin, { steps: names.length - names.indexOf('0002_event_logs_partitions') });
    await admin.end();
    const rawPlain = rawCandidates(plain, count);
    const rawPartitioned = rawCandidates(partitioned, count);
    const loggerOn = (db: BenchDatabase, label: string) =>
      loggerCandidate(label, count, async () => {
        const pool = db.pool(2);
        return {
          logger: new EventLogger({ sinks: [new PostgresSink({ db: pool })], fallback: null }),
          sink: 'postgres',
          release: () => pool.end(),
        };
      });
    const logger = loggerOn(partitioned, 'logger, defaults, partitioned');
    const loggerPlain = loggerOn(plain, 'logger, defaults, unpartitioned');
    for (let round = 1; round <= REPEATS; round++) {
      for (const [db, candidate] of [
        ...rawPlain.map((c) => [plain, c] as const),
        ...rawPartitioned.map((c) => [partitioned, c] as const),
        [partitioned, logger] as const,
        [plain, loggerPlain] as const,
      ]) {
        await db.reset();
        candidate.best = Math.max(candidate.best, await candidate.run());
      }
      note(`retention: logger round ${round} done`);
    }
    const best = (list: typeof rawPlain) => list.reduce((a, b) => (b.best > a.best ? b : a));
    report({
      scenario: 'retention-logger-partitioned-defaults',
      unit: 'events/s',
      value: logger.best,
      raw: best(rawPlain).best,
      rawMethod: `${best(rawPlain).label}, unpartitioned`,
      rawPartitioned: best(rawPartitioned).best,
      rawPartitionedMethod: best(rawPartitioned).label,
      loggerUnpartitioned: loggerPlain.best,
      partitioningCost: 1 - logger.best / loggerPlain.best,
      defaults: true,
      events: count,
      rounds: REPEATS,
      goal: 'ratio >= 0.9',
    });
  } finally {
    await partitioned.drop();
    await plain.drop();
  }
}

/** A statement EventQueries sent. */
interface Sent {
  readonly text: string;
  readonly values: unknown[];
}

/**
 * Median wall time of `run` (SAMPLES calls after a warm-up), and the median planning and
 * execution times EXPLAIN (ANALYZE, SUMMARY) gives for the statements one call sends (summed
 * when a page takes more than one): less sensitive to the machine's load than the wall time.
 */
async function measure(pool: pg.Pool, sent: Sent[], run: () => Promise<unknown>) {
  for (let i = 0; i < 5; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  const planning: number[] = [];
  const execution: number[] = [];
  let statements = 0;
  for (let i = 0; i < EXPLAINS; i++) {
    sent.length = 0;
    await run();
    statements = sent.length;
    let [plan, exec] = [0, 0];
    for (const { text, values } of sent.splice(0)) {
      const { rows } = await pool.query(`EXPLAIN (ANALYZE, SUMMARY, FORMAT JSON) ${text}`, values);
      plan += rows[0]['QUERY PLAN'][0]['Planning Time'];
      exec += rows[0]['QUERY PLAN'][0]['Execution Time'];
    }
    planning.push(plan);
    execution.push(exec);
  }
  times.sort((a, b) => a - b);
  return {
    value: percentile(times, 50),
    medianMs: percentile(times, 50),
    p99Ms: percentile(times, 99),
    planningMs: median(planning),
    executionMs: median(execution),
    statements,
  };
}

/** Pages over `rows` rows in `days` daily partitions (the last 3 ahead of today, empty). */
export async function partitionedQueryBench(db: BenchDatabase, rows: number, days: number) {
  const pool = db.pool(1);
  try {
    const first = -(days - 4);
    const { rows: found } = await pool.query('SELECT count(*)::int AS n FROM eventrail.event_logs');
    if (found[0].n === 0) {
      await makeDays(pool, first, -1);
      note(`retention: ${rows} rows over ${days - 3} days for paging`);
      const started = performance.now();
      await fill(pool, rows, first, 0);
      note(`retention: generated in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    } else if (found[0].n !== rows) {
      throw new Error(`the kept database holds ${found[0].n} rows, not ${rows}`);
    } else note(`retention: paging the ${rows} rows a previous run left`);
    const sent: Sent[] = [];
    const recording = {
      query(text: string, values: unknown[]) {
        sent.push({ text, values });
        return pool.query(text, values);
      },
    };
    const queries = new EventQueries({ db: recording, cursorSecret: 'bench-secret-0123456789' });
    const scope = { userId: 'user-3' };
    const common = { unit: 'ms', rows, partitions: days + 1, limit: 50, goalMs: 5 };
    report({
      scenario: 'retention-query-first-page',
      ...(await measure(pool, sent, () => queries.listEvents(scope, {}, { limit: 50 }))),
      ...common,
    });
    let cursor: string | null = null;
    for (let skipped = 0; skipped < 1000 * 50; skipped += 500) {
      const page: { nextCursor: string | null } = await queries.listEvents(
        scope,
        {},
        {
          limit: 500,
          ...(cursor ? { cursor } : {}),
        },
      );
      cursor = page.nextCursor;
    }
    report({
      scenario: 'retention-query-keyset-page-1000-deep',
      ...(await measure(pool, sent, () =>
        queries.listEvents(scope, {}, { limit: 50, cursor: cursor! }),
      )),
      ...common,
    });
    const from = new Date(TODAY - Math.floor(days / 2) * DAY + 3_600_000);
    report({
      scenario: 'retention-query-time-bounded-page',
      ...(await measure(pool, sent, () =>
        queries.listEvents(
          scope,
          { from, to: new Date(from.getTime() + 6 * 3_600_000) },
          { limit: 50 },
        ),
      )),
      ...common,
    });
  } finally {
    await pool.end();
  }
}
