/**
 * Retention on the partitioned event_logs: expiring old rows by dropping partitions vs DELETE
 * (time, and the logger's rate meanwhile); the logger at defaults on the partitioned table vs the
 * raw limit on the unpartitioned one (every migration but 0002, so the stream's index and NOTIFY
 * trigger are on both); scoped and time-bounded pages over many daily partitions.
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
import { type Candidate, loggerCandidate } from '../lib/candidate.js';
import { type BenchDatabase, createBenchDatabase } from '../lib/database.js';
import { agentEvent } from '../lib/events.js';
import { explainSum, recordingDb, type Sent } from '../lib/explain.js';
import { median, note, percentile, report } from '../lib/report.js';
import { serverCpuMs } from '../lib/server-cpu.js';
import { rawCandidates } from './logger.js';

const DAY = 86_400_000;
const TODAY = Math.floor(Date.now() / DAY) * DAY;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SAMPLES = Number(process.env.BENCH_QUERY_SAMPLES ?? 200);
/** Pages explained (EXPLAIN ANALYZE) per scenario, for the median planning and execution time. */
const EXPLAINS = 21;

/** Daily partitions for the days [first, last] relative to today, made by hand (the past). */
export async function makeDays(pool: pg.Pool, first: number, last: number): Promise<void> {
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
      const result = await maintain({ db: pool, retentionMs: 90 * DAY });
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

/**
 * Makes `db`'s event_logs an unpartitioned table with every other migration applied: rolls back
 * to before 0002 (which undoes 0003–0005 too), then runs the up scripts of the migrations after
 * 0002 as they ship, each in a transaction. So the table has 0004's `tx_id` column, its index
 * and its NOTIFY trigger, and 0005's trace columns, like the partitioned one; only the
 * partitioning differs. (The bookkeeping table does not list the re-applied migrations.)
 */
export async function unpartition(db: BenchDatabase): Promise<void> {
  const migrations = loadMigrations('eventrail');
  const at = migrations.findIndex((m) => m.name === '0002_event_logs_partitions');
  const pool = db.pool(1);
  try {
    await rollback({ db: pool, steps: migrations.length - at });
    const client = await pool.connect();
    try {
      for (const migration of migrations.slice(at + 1)) {
        await client.query('BEGIN');
        for (const statement of migration.up) await client.query(statement);
        await client.query('COMMIT');
      }
    } finally {
      client.release();
    }
    const { rows } = await pool.query(`SELECT c.relkind,
        (SELECT count(*)::int FROM pg_trigger t
          WHERE t.tgrelid = c.oid AND t.tgname = 'event_logs_notify') AS triggers,
        (SELECT count(*)::int FROM pg_attribute a WHERE a.attrelid = c.oid AND NOT a.attisdropped
          AND a.attname IN ('tx_id', 'trace_id', 'span_id')) AS columns
      FROM pg_class c WHERE c.oid = 'eventrail.event_logs'::regclass`);
    const found = rows[0] as { relkind: string; triggers: number; columns: number };
    if (found.relkind !== 'r' || found.triggers !== 1 || found.columns !== 3) {
      throw new Error(`unpartitioned event_logs is not as meant: ${JSON.stringify(found)}`);
    }
  } finally {
    await pool.end();
  }
}

/** What the logger's writes of its best run looked like (its `batch` events). */
interface BatchStats {
  readonly batches: number;
  readonly meanRows: number;
  readonly medianRows: number;
  /** Median time of one write (COPY round trip and commit), ms. */
  readonly medianWriteMs: number;
  /** Sum of the writes' times per event written, µs (two writes overlap at the defaults). */
  readonly writeUsPerEvent: number;
}

function batchStats(sizes: number[], durations: number[]): BatchStats {
  const rows = sizes.reduce((a, b) => a + b, 0);
  return {
    batches: sizes.length,
    meanRows: rows / sizes.length,
    medianRows: median(sizes),
    medianWriteMs: median(durations),
    writeUsPerEvent: (durations.reduce((a, b) => a + b, 0) * 1000) / rows,
  };
}

/**
 * Runs `candidate` with event_logs' NOTIFY trigger (migration 0004) disabled: a diagnostic of
 * what the trigger costs, never a configuration eventrail runs in.
 */
function withoutTrigger(db: BenchDatabase, candidate: Candidate): Candidate {
  const toggle = async (verb: 'DISABLE' | 'ENABLE') => {
    const pool = db.pool(1);
    try {
      await pool.query(`ALTER TABLE eventrail.event_logs ${verb} TRIGGER event_logs_notify`);
    } finally {
      await pool.end();
    }
  };
  return {
    label: `${candidate.label}, NOTIFY trigger disabled`,
    best: 0,
    async run() {
      await toggle('DISABLE');
      try {
        return await candidate.run();
      } finally {
        await toggle('ENABLE');
      }
    },
  };
}

/**
 * Logger at defaults into the partitioned table vs the raw limit on the unpartitioned one. Both
 * databases have every migration but the unpartitioned one lacks 0002, so the gap is the
 * partitioning's alone (0004's index and per-statement NOTIFY trigger are on both). Diagnostics:
 * the logger's batches, the raw candidates on the partitioned table, and the logger and the
 * fastest raw way on each table with the NOTIFY trigger disabled
 * (BENCH_RETENTION_TRIGGER_DIAGNOSTIC=0 skips those).
 */
export async function partitionedLoggerBench(count: number): Promise<void> {
  const partitioned = await createBenchDatabase('eventrail_bench_partitioned');
  const plain = await createBenchDatabase('eventrail_bench_unpartitioned');
  try {
    await unpartition(plain);
    // Server CPU time of the last run (see serverCpuMs), and per event of every run of a candidate.
    let lastServerCpuMs: number | undefined;
    const measureServer = async (pool: pg.Pool, connections: number) => {
      lastServerCpuMs = await serverCpuMs(pool, connections);
    };
    const serverCpu = new Map<Candidate, number[]>();
    /** Every round's rate of each candidate, for ratios of runs made next to each other. */
    const rates = new Map<Candidate, number[]>();
    const rawPlain = rawCandidates(plain, count, measureServer);
    const rawPartitioned = rawCandidates(partitioned, count, measureServer);
    const stats = new Map<Candidate, BatchStats>();
    const loggerOn = (db: BenchDatabase, label: string): Candidate => {
      let sizes: number[] = [];
      let durations: number[] = [];
      let bestRate = 0;
      const inner = loggerCandidate(label, count, async () => {
        const pool = db.pool(2);
        const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool })], fallback: null });
        sizes = [];
        durations = [];
        logger.on('batch', ({ size, durationMs }) => {
          sizes.push(size);
          durations.push(durationMs);
        });
        const release = async () => {
          await measureServer(pool, 2);
          await pool.end();
        };
        return { logger, sink: 'postgres', release };
      });
      const candidate: Candidate = {
        label,
        best: 0,
        async run() {
          const rate = await inner.run();
          // Kept here, not from `best`: a wrapper (withoutTrigger) may keep that instead.
          if (rate > bestRate) {
            bestRate = rate;
            stats.set(candidate, batchStats(sizes, durations));
          }
          return rate;
        },
      };
      return candidate;
    };
    const logger = loggerOn(partitioned, 'logger, defaults, partitioned');
    const loggerPlain = loggerOn(plain, 'logger, defaults, unpartitioned');
    const diagnose = process.env.BENCH_RETENTION_TRIGGER_DIAGNOSTIC !== '0';
    const copyFastest = (list: typeof rawPlain) =>
      list.find(
        (c) => c.method.name.startsWith('COPY') && c.batchSize === 1000 && c.connections === 2,
      );
    const bare = diagnose
      ? {
          logger: loggerOn(partitioned, 'logger, defaults, partitioned'),
          loggerPlain: loggerOn(plain, 'logger, defaults, unpartitioned'),
        }
      : undefined;
    const noTrigger = bare
      ? {
          logger: withoutTrigger(partitioned, bare.logger),
          loggerPlain: withoutTrigger(plain, bare.loggerPlain),
          raw: withoutTrigger(partitioned, copyFastest(rawPartitioned) as Candidate),
          rawPlain: withoutTrigger(plain, copyFastest(rawPlain) as Candidate),
        }
      : undefined;
    // Runs compared with each other go next to each other (a table's run beside the other's, a
    // run with the trigger beside the same without), so that a round's pairs share the machine.
    const runs: [BenchDatabase, Candidate][] = [];
    rawPlain.forEach((candidate, i) => {
      const other = rawPartitioned[i] as Candidate;
      runs.push([plain, candidate], [partitioned, other]);
      if (noTrigger && candidate === copyFastest(rawPlain)) {
        runs.push([plain, noTrigger.rawPlain], [partitioned, noTrigger.raw]);
      }
    });
    runs.push([partitioned, logger], [plain, loggerPlain]);
    if (noTrigger) runs.push([plain, noTrigger.loggerPlain], [partitioned, noTrigger.logger]);
    for (let round = 1; round <= REPEATS; round++) {
      // Alternate the order of the tables from round to round, so neither always goes first.
      for (const [db, candidate] of round % 2 === 1 ? runs : [...runs].reverse()) {
        await db.reset();
        lastServerCpuMs = undefined;
        const rate = await candidate.run();
        candidate.best = Math.max(candidate.best, rate);
        rates.set(candidate, [...(rates.get(candidate) ?? []), rate]);
        if (lastServerCpuMs !== undefined) {
          serverCpu.set(candidate, [
            ...(serverCpu.get(candidate) ?? []),
            (lastServerCpuMs * 1000) / count,
          ]);
        }
        note(`retention: round ${round}: ${candidate.label}: ${rate.toFixed(0)} events/s`);
      }
    }
    const best = (list: typeof rawPlain) => list.reduce((a, b) => (b.best > a.best ? b : a));
    const table = (list: typeof rawPlain) =>
      Object.fromEntries(list.map((c) => [c.label, Math.round(c.best)]));
    const batchesOf = (candidate: Candidate) => {
      const s = stats.get(candidate);
      return (
        s && Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Math.round(v * 10) / 10]))
      );
    };
    const cpuOf = (candidate: Candidate) => {
      const runs = serverCpu.get(candidate);
      return runs && Math.round(median(runs) * 10) / 10;
    };
    /**
     * 1 − the median over the rounds of `a`'s rate / `b`'s in the same round: a slow stretch of
     * a shared machine hits both runs of a pair, where it may spoil either best alone.
     */
    const pairedCost = (a: Candidate, b: Candidate) => {
      const [as, bs] = [rates.get(a) ?? [], rates.get(b) ?? []];
      return Math.round((1 - median(as.map((rate, i) => rate / (bs[i] as number)))) * 1000) / 1000;
    };
    report({
      scenario: 'retention-logger-partitioned-defaults',
      unit: 'events/s',
      value: logger.best,
      raw: best(rawPlain).best,
      ratio: logger.best / best(rawPlain).best,
      rawMethod: `${best(rawPlain).label}, unpartitioned`,
      rawPartitioned: best(rawPartitioned).best,
      rawPartitionedMethod: best(rawPartitioned).label,
      loggerUnpartitioned: loggerPlain.best,
      partitioningCost: 1 - logger.best / loggerPlain.best,
      rawPartitioningCost: 1 - best(rawPartitioned).best / best(rawPlain).best,
      // The same from the rounds' pairs (median), and for the raw COPY of 1000 rows on 2 connections.
      partitioningCostPaired: pairedCost(logger, loggerPlain),
      rawCopy1000x2PartitioningCostPaired: pairedCost(
        copyFastest(rawPartitioned) as Candidate,
        copyFastest(rawPlain) as Candidate,
      ),
      loggerBatches: batchesOf(logger),
      loggerUnpartitionedBatches: batchesOf(loggerPlain),
      // Median over the rounds of the CPU time the run's Postgres backends used, per event.
      serverCpuUsPerEvent: {
        logger: cpuOf(logger),
        loggerUnpartitioned: cpuOf(loggerPlain),
        rawCopy1000x2: cpuOf(copyFastest(rawPartitioned) as Candidate),
        rawCopy1000x2Unpartitioned: cpuOf(copyFastest(rawPlain) as Candidate),
        ...(noTrigger
          ? {
              loggerWithoutTrigger: cpuOf(noTrigger.logger),
              loggerUnpartitionedWithoutTrigger: cpuOf(noTrigger.loggerPlain),
            }
          : {}),
      },
      ...(noTrigger
        ? {
            withoutNotifyTrigger: {
              logger: Math.round(noTrigger.logger.best),
              loggerUnpartitioned: Math.round(noTrigger.loggerPlain.best),
              rawCopy1000x2: Math.round(noTrigger.raw.best),
              rawCopy1000x2Unpartitioned: Math.round(noTrigger.rawPlain.best),
              // What the trigger costs: 1 − median of (with trigger / without) over the rounds.
              triggerCostPaired: {
                logger: pairedCost(logger, noTrigger.logger),
                loggerUnpartitioned: pairedCost(loggerPlain, noTrigger.loggerPlain),
                rawCopy1000x2: pairedCost(copyFastest(rawPartitioned) as Candidate, noTrigger.raw),
                rawCopy1000x2Unpartitioned: pairedCost(
                  copyFastest(rawPlain) as Candidate,
                  noTrigger.rawPlain,
                ),
              },
              loggerBatches: batchesOf(bare!.logger),
              loggerUnpartitionedBatches: batchesOf(bare!.loggerPlain),
              note: 'diagnostic only: the trigger wakes EventStream subscribers and stays',
            },
          }
        : {}),
      rawCandidatesUnpartitioned: table(rawPlain),
      rawCandidatesPartitioned: table(rawPartitioned),
      defaults: true,
      events: count,
      rounds: REPEATS,
      goal: 'ratio >= 0.9',
      note: 'both tables have every migration (0004 index + NOTIFY trigger, 0005) but the unpartitioned one lacks 0002',
    });
  } finally {
    await partitioned.drop();
    await plain.drop();
  }
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
    const times = await explainSum(pool, sent.splice(0));
    planning.push(times.planning);
    execution.push(times.execution);
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
    const queries = new EventQueries({
      db: recordingDb(pool, sent),
      cursorSecret: 'bench-secret-0123456789',
    });
    const scope = { userId: 'user-3' };
    const common = { unit: 'ms', rows, partitions: days + 1, limit: 50, goalMs: 5 };
    report({
      scenario: 'retention-query-first-page',
      ...(await measure(pool, sent, () => queries.listEvents(scope, {}, { limit: 50 }))),
      ...common,
    });
    // The cursor 1000 pages of 50 deep, or as deep as the scope's rows go (a small BENCH_RETENTION_QUERY_ROWS).
    let cursor: string | undefined;
    let depth = 0;
    while (depth < 1000) {
      const page: { nextCursor: string | null } = await queries.listEvents(
        scope,
        {},
        { limit: 500, ...(cursor ? { cursor } : {}) },
      );
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
      depth += 10;
    }
    if (cursor === undefined) throw new Error(`${scope.userId} has fewer than 500 rows to page`);
    const deep = cursor;
    report({
      scenario: 'retention-query-keyset-page-1000-deep',
      ...(await measure(pool, sent, () =>
        queries.listEvents(scope, {}, { limit: 50, cursor: deep }),
      )),
      ...common,
      pagesDeep: depth,
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
