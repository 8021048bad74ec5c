/**
 * Query module at scale (1M rows by default, BENCH_QUERY_ROWS): latency of scoped pages (first,
 * keyset 1000 pages deep, offset 1000 pages deep) and of counts by type (cold and cached), each
 * against the same work done by a hand-written `pg` query on the same table, interleaved.
 */
import type pg from 'pg';
import { EventQueries, MemoryCacheStore } from '../../src/postgres/index.js';
import { generateEvents } from '../../tests/helpers/events.js';
import type { BenchDatabase } from '../lib/database.js';
import { note, percentile, report } from '../lib/report.js';

const SAMPLES = Number(process.env.BENCH_QUERY_SAMPLES ?? 200);
const USERS = 10;
const LIMIT = 50;
const GOAL_MS = 5;

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** Runs `ours` and `raw` alternately, SAMPLES times each after a warm-up; sorted latencies. */
async function compare(ours: () => Promise<unknown>, raw?: () => Promise<unknown>) {
  for (let i = 0; i < 5; i++) {
    await ours();
    await raw?.();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    a.push(await timed(ours));
    if (raw) b.push(await timed(raw));
  }
  return { ours: a.sort((x, y) => x - y), raw: b.sort((x, y) => x - y) };
}

function line(scenario: string, sorted: { ours: number[]; raw: number[] }, detail: object) {
  const hasRaw = sorted.raw.length > 0;
  report({
    scenario,
    unit: 'ms',
    value: percentile(sorted.ours, 50),
    p50Ms: percentile(sorted.ours, 50),
    p99Ms: percentile(sorted.ours, 99),
    ...(hasRaw ? { raw: percentile(sorted.raw, 50), rawP99Ms: percentile(sorted.raw, 99) } : {}),
    samples: SAMPLES,
    ...detail,
  });
}

/** The raw page: the same rows, order and limit, one hand-written statement. */
const RAW_PAGE = `SELECT * FROM eventrail.event_logs WHERE user_id = $1
  ORDER BY created_at DESC, id DESC LIMIT ${LIMIT}`;

export async function queryBench(db: BenchDatabase, rows: number): Promise<void> {
  const pool: pg.Pool = db.pool(1);
  try {
    note(`query: generating ${rows} rows for ${USERS} users`);
    for (let first = 1; first <= rows; first += 100_000) {
      const count = Math.min(100_000, rows - first + 1);
      await generateEvents(pool, { count, users: USERS, end: new Date(), first });
    }
    await pool.query('VACUUM ANALYZE eventrail.event_logs');
    const scope = { userId: 'user-3' };
    const perUser = rows / USERS;
    const pages = Math.max(1, Math.min(1000, Math.floor(perUser / LIMIT) - 1));
    const queries = new EventQueries({ db: pool, cursorSecret: 'bench-secret-0123456789' });
    const common = { rows, rowsOfUser: perUser, limit: LIMIT, goalMs: GOAL_MS };

    line(
      'query-first-page',
      await compare(
        () => queries.listEvents(scope, {}, { limit: LIMIT }),
        () => pool.query(RAW_PAGE, [scope.userId]),
      ),
      common,
    );
    line(
      'query-first-page-project-scope',
      await compare(
        () => queries.listEvents({ ...scope, projectId: 'project-3' }, {}, { limit: LIMIT }),
        () =>
          pool.query(RAW_PAGE.replace('WHERE', 'WHERE project_id = $2 AND'), [
            scope.userId,
            'project-3',
          ]),
      ),
      common,
    );

    // The cursor and position after `pages` pages, reached with big pages (a cursor does not
    // depend on the page size).
    let cursor: string | null = null;
    for (let skipped = 0; skipped < pages * LIMIT; skipped += 500) {
      const page: { nextCursor: string | null } = await queries.listEvents(
        scope,
        {},
        { limit: Math.min(500, pages * LIMIT - skipped), ...(cursor ? { cursor } : {}) },
      );
      cursor = page.nextCursor;
    }
    const at = await pool.query(
      `SELECT created_at, id FROM eventrail.event_logs WHERE user_id = $1
        ORDER BY created_at DESC, id DESC OFFSET $2 LIMIT 1`,
      [scope.userId, pages * LIMIT - 1],
    );
    const deep = { ...common, pagesDeep: pages };
    line(
      'query-keyset-page-deep',
      await compare(
        () => queries.listEvents(scope, {}, { limit: LIMIT, cursor: cursor as string }),
        () =>
          pool.query(RAW_PAGE.replace('ORDER BY', 'AND (created_at, id) < ($2, $3) ORDER BY'), [
            scope.userId,
            at.rows[0].created_at,
            at.rows[0].id,
          ]),
      ),
      deep,
    );
    line(
      'query-offset-page-deep',
      await compare(
        () => queries.listEvents(scope, {}, { limit: LIMIT, offset: pages * LIMIT }),
        () => pool.query(`${RAW_PAGE} OFFSET $2`, [scope.userId, pages * LIMIT]),
      ),
      deep,
    );

    const rawCounts = () =>
      pool.query(
        `SELECT event_type, count(*) FROM eventrail.event_logs WHERE user_id = $1 GROUP BY 1`,
        [scope.userId],
      );
    line('query-counts-by-type-cold', await compare(() => queries.countsByType(scope), rawCounts), {
      ...common,
      cache: 'none',
    });
    const cached = new EventQueries({ db: pool, cache: new MemoryCacheStore() });
    line(
      'query-counts-by-type-cached',
      await compare(() => cached.countsByType(scope), rawCounts),
      { ...common, cache: 'MemoryCacheStore', note: 'raw is the uncached GROUP BY' },
    );
  } finally {
    await pool.end();
  }
}
