/**
 * `npm run bench [-- scenario...]`: prints one JSON line per scenario on stdout (progress on
 * stderr). Scenarios: logger (logger → Postgres vs raw pg, GIN cost), log-event (µs per call).
 * Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a database
 * `eventrail_bench`, or BENCH_DATABASE, is created on that server and dropped after),
 * BENCH_EVENTS (default 50000), BENCH_REPEATS (rounds, default 3).
 */
import { createBenchDatabase } from './lib/database.js';
import { note } from './lib/report.js';
import { logEventCost, loggerPostgres } from './postgres/logger.js';
import { queryBench } from './postgres/query.js';

const count = Number(process.env.BENCH_EVENTS ?? 50_000);
const selected = new Set(process.argv.slice(2));
const wanted = (name: string) => selected.size === 0 || selected.has(name);

if (wanted('log-event')) await logEventCost();
if (wanted('logger')) {
  const db = await createBenchDatabase();
  try {
    await loggerPostgres(db, count);
  } finally {
    await db.drop();
  }
}
if (wanted('query')) {
  const db = await createBenchDatabase();
  try {
    await queryBench(db, Number(process.env.BENCH_QUERY_ROWS ?? 1_000_000));
  } finally {
    await db.drop();
  }
}
note('bench done');
