/**
 * Rollups at scale: for each size of BENCH_ROLLUP_ROWS (a comma list, ascending; each adds rows
 * to the last), rows like seed 001's over 90 daily partitions (see rollup-rows.ts), then
 * `rebuildRollups` from nothing (rollups-build, rows/s), then cold reads (no cache store) of the
 * scope holding a tenth of the rows over the whole window: `EventQueries` answering from the
 * rollups against the hand-written `GROUP BY` over the raw rows, alternated,
 * BENCH_ROLLUP_READS times each (default 9). Before timing, each read's answer is checked equal
 * to the library's raw read (`rollups: false`). `speedup` is raw p50 / rollups p50.
 */
import { deepStrictEqual } from 'node:assert/strict';
import type pg from 'pg';
import { EventQueries, rebuildRollups } from '../../src/postgres/index.js';
import type { BenchDatabase } from '../lib/database.js';
import { explainSum, recordingDb, type Sent } from '../lib/explain.js';
import { median, note, percentile, report } from '../lib/report.js';
import { addRows, HOT, makeWindow, tableBytes, WINDOW } from './rollup-rows.js';

const READS = Number(process.env.BENCH_ROLLUP_READS ?? 9);
/** Rollup reads explained (EXPLAIN ANALYZE), for the median planning and execution time. */
const EXPLAINS = 3;
const GOAL = { p50Ms: 10, speedup: 50 };
const MILLION = 1_000_000;

/** The HOT scope within [$3, $4), as the raw statements' condition. */
const SCOPE = 'user_id = $1 AND project_id = $2 AND created_at >= $3 AND created_at < $4';
const RAW = {
  countsByType: `SELECT event_type, count(*) FROM eventrail.event_logs WHERE ${SCOPE}
GROUP BY event_type ORDER BY 2 DESC`,
  errorStats: `SELECT error_code, tool_name, grouping(error_code, tool_name), count(*)
FROM eventrail.event_logs
WHERE ${SCOPE} AND (error_code IS NOT NULL OR upper(event_type) = 'ERROR')
GROUP BY GROUPING SETS ((error_code), (tool_name), ())`,
  hourly: `SELECT s.start, coalesce(c.n, 0) AS count
FROM generate_series($3::timestamptz, $4::timestamptz - interval '1 hour', interval '1 hour') AS s(start)
LEFT JOIN (
  SELECT date_bin(interval '1 hour', created_at, timestamptz 'epoch') AS start, count(*) AS n
  FROM eventrail.event_logs WHERE ${SCOPE} GROUP BY 1
) AS c USING (start) ORDER BY 1`,
};

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

interface Read {
  readonly scenario: string;
  readonly range: { readonly from: Date; readonly to: Date };
  /** The library's read, with the rollups or without (`queries` decides). */
  readonly ours: (queries: EventQueries) => Promise<unknown>;
  readonly raw: string;
}

/**
 * Median planning and execution time (EXPLAIN ANALYZE) of the statements one `read` sends,
 * summed: with 90 partitions the planning is a fair part of a read.
 */
async function explain(pool: pg.Pool, read: Read['ours']) {
  const sent: Sent[] = [];
  const queries = new EventQueries({ db: recordingDb(pool, sent) });
  const planning: number[] = [];
  const execution: number[] = [];
  for (let i = 0; i < EXPLAINS; i++) {
    sent.length = 0;
    await read(queries);
    const times = await explainSum(pool, sent.splice(0));
    planning.push(times.planning);
    execution.push(times.execution);
  }
  return { planningMs: median(planning), executionMs: median(execution) };
}

/** Checks the rollups' answer against the raw one, then times both, alternated. */
async function compare(pool: pg.Pool, read: Read, rows: number, rowsOfScope: number) {
  const rollups = new EventQueries({ db: pool });
  const rawReads = new EventQueries({ db: pool, rollups: false });
  const params = [HOT.userId, HOT.projectId, read.range.from, read.range.to];
  deepStrictEqual(await read.ours(rollups), await read.ours(rawReads), read.scenario);
  await pool.query(read.raw, params);
  const ours: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < READS; i++) {
    ours.push(await timed(() => read.ours(rollups)));
    raw.push(await timed(() => pool.query(read.raw, params)));
  }
  ours.sort((a, b) => a - b);
  raw.sort((a, b) => a - b);
  const p50 = percentile(ours, 50);
  const plans = await explain(pool, read.ours);
  report({
    scenario: read.scenario,
    defaults: true,
    unit: 'ms',
    value: p50,
    p50Ms: p50,
    p99Ms: percentile(ours, 99),
    raw: percentile(raw, 50),
    rawP99Ms: percentile(raw, 99),
    speedup: percentile(raw, 50) / p50,
    ...plans,
    goal: GOAL,
    rows,
    rowsOfScope,
    reads: READS,
    from: read.range.from.toISOString(),
    to: read.range.to.toISOString(),
    cache: 'none',
    note: 'value: EventQueries from the rollups; raw: hand-written GROUP BY over the raw rows; speedup: raw p50 / value; planningMs, executionMs: EXPLAIN ANALYZE of the rollup read',
  });
}

function reads(): Read[] {
  const scope = HOT;
  const range = WINDOW;
  // Off every bucket boundary: the rollups leave raw rows to read at both edges.
  const unaligned = {
    from: new Date(WINDOW.from.getTime() + 17 * 60_000 + 23_456),
    to: new Date(WINDOW.to.getTime() - 41 * 60_000 - 7_890),
  };
  return [
    {
      scenario: 'rollups-counts-by-type',
      range,
      ours: (q) => q.countsByType(scope, range),
      raw: RAW.countsByType,
    },
    {
      scenario: 'rollups-error-stats',
      range,
      ours: (q) => q.errorStats(scope, range),
      raw: RAW.errorStats,
    },
    {
      scenario: 'rollups-time-series-hourly',
      range,
      ours: (q) => q.timeSeries(scope, range, { bucket: 'hour', timeZone: 'UTC' }),
      raw: RAW.hourly,
    },
    {
      scenario: 'rollups-counts-by-type-unaligned',
      range: unaligned,
      ours: (q) => q.countsByType(scope, unaligned),
      raw: RAW.countsByType,
    },
  ];
}

/** Empties the rollups and rebuilds them from every stored row; reports rollups-build. */
async function build(pool: pg.Pool, rows: number): Promise<void> {
  await pool.query('TRUNCATE eventrail.event_rollups');
  await pool.query('DELETE FROM eventrail.rollups');
  const result = await rebuildRollups({
    db: pool,
    onProgress: ({ done, total }) => {
      if (done % 10 === 0 || done === total) note(`rollups: rebuilt ${done} of ${total} days`);
    },
  });
  const { rows: size } = await pool.query<{ n: string; bytes: string }>(
    `SELECT count(*) AS n, pg_total_relation_size('eventrail.event_rollups') AS bytes
     FROM eventrail.event_rollups`,
  );
  // What the reads of the scope go through: its rollup rows per grain (seconds).
  const { rows: grains } = await pool.query<{ grain: number; n: string }>(
    `SELECT grain, count(*) AS n FROM eventrail.event_rollups
     WHERE user_id = $1 AND project_id = $2 GROUP BY grain ORDER BY grain`,
    [HOT.userId, HOT.projectId],
  );
  report({
    scenario: 'rollups-build',
    defaults: true,
    unit: 'rows/s',
    value: rows / (result.durationMs / 1000),
    durationMs: result.durationMs,
    days: result.days,
    rows,
    rollupRows: Number(size[0]?.n),
    rollupBytes: Number(size[0]?.bytes),
    rollupRowsOfScopeByGrain: Object.fromEntries(grains.map((g) => [g.grain, Number(g.n)])),
  });
  // Autovacuum would get there; done now so that reads can use index-only scans.
  await pool.query('VACUUM ANALYZE eventrail.event_rollups');
}

/** Adds rows up to `size` (from `rows`); reports rollups-generate. */
async function generate(pool: pg.Pool, rows: number, size: number): Promise<void> {
  note(
    `rollups: adding ${size - rows} rows (${rows} → ${size}) over ${WINDOW.from.toISOString()} … ${WINDOW.to.toISOString()}`,
  );
  const load = await addRows(pool, size - rows, rows);
  const added = size - rows;
  const bytes = await tableBytes(pool);
  const seconds = load.copySeconds + load.indexSeconds + load.vacuumSeconds;
  report({
    scenario: 'rollups-generate',
    unit: 's per million rows',
    value: seconds / (added / MILLION),
    ...load,
    rowsAdded: added,
    rows: size,
    ...bytes,
    bytesPerMillionRows: bytes.tableBytes / (size / MILLION),
    note: 'COPY text (pg-copy-streams) with the secondary indexes dropped, then made again, then VACUUM ANALYZE',
  });
}

/** Rows already in a kept database, and whether its rollup is built. */
async function kept(pool: pg.Pool): Promise<{ rows: number; complete: boolean }> {
  const { rows } = await pool.query<{ n: number; complete: boolean | null }>(
    `SELECT (SELECT count(*)::int FROM eventrail.event_logs) AS n,
       (SELECT complete FROM eventrail.rollups WHERE name = 'events') AS complete`,
  );
  return { rows: rows[0]?.n ?? 0, complete: rows[0]?.complete === true };
}

/**
 * The reads at each size of `sizes` (ascending), on one table that grows. In a kept database
 * (BENCH_ROLLUP_KEEP), rows already there count towards the sizes, and a rollup already built
 * over all of them is not built again (no rollups-build line for that size).
 */
export async function rollupReadsBench(db: BenchDatabase, sizes: readonly number[]): Promise<void> {
  const pool = db.pool(2);
  try {
    const before = await kept(pool);
    if (before.rows === 0) await makeWindow(pool);
    let rows = before.rows;
    let built = before.complete;
    let measured = -1;
    for (const size of [...sizes].sort((a, b) => a - b)) {
      if (size > rows) {
        await generate(pool, rows, size);
        rows = size;
        built = false;
      } else if (measured === rows) continue;
      if (built) note(`rollups: ${rows} rows and their rollup kept from an earlier run`);
      else await build(pool, rows);
      built = true;
      for (const read of reads()) await compare(pool, read, rows, rows / 10);
      measured = rows;
    }
  } finally {
    await pool.end();
  }
}
