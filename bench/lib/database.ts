import type pg from 'pg';
import { migrate } from '../../src/postgres/index.js';
import { benchClient, benchPool } from './pool.js';

/** The server the bench runs on: DATABASE_URL, else the local test server. */
export const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchDatabase {
  readonly url: string;
  /**
   * A pool of `max` connections on the bench database, ended by `drop()` if still open. An
   * error of a connection (the server ended it, idle or checked out) is noted on stderr, not
   * thrown (see lib/pool.ts).
   */
  pool(max: number): pg.Pool;
  /** Empties eventrail's tables between runs, so that every run starts from the same state. */
  reset(): Promise<void>;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for this bench run on the server at DATABASE_URL. With `keep`, a
 * database of that name left by an earlier run is used as it is (migrated if need be) and
 * `drop()` leaves it in place: for data too slow to generate on every run.
 */
export async function createBenchDatabase(
  name = process.env.BENCH_DATABASE ?? 'eventrail_bench',
  { keep = false } = {},
): Promise<BenchDatabase> {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const admin = await benchClient(ADMIN_URL, `bench admin ${name}`);
  const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (!keep) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  if (!keep || found.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const pools: pg.Pool[] = [];
  const open = (max: number) => {
    const pool = benchPool({ connectionString: url.toString(), max }, `bench pool ${name}`);
    pools.push(pool);
    return pool;
  };
  const main = open(2);
  await migrate({ db: main });
  return {
    url: url.toString(),
    pool: open,
    async reset() {
      await main.query('TRUNCATE eventrail.event_logs, eventrail.event_outbox');
      await main.query('VACUUM ANALYZE eventrail.event_logs');
      // Start every run without a checkpoint pending, so none of them pays for another's WAL.
      await main.query('CHECKPOINT');
    },
    async drop() {
      await Promise.all(pools.filter((p) => !p.ended).map((p) => p.end()));
      if (keep) return;
      const again = await benchClient(ADMIN_URL, `bench admin ${name}`);
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}
