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
 * Drops the database `name` on the server `admin` is connected to. A replication slot still read
 * keeps its database even from `WITH (FORCE)`: its reader is ended first (waiting up to 5 s for
 * it to exit); the drop then takes the database's slots with it.
 */
async function dropDatabase(admin: pg.Client, name: string): Promise<void> {
  await admin.query(
    `SELECT pg_terminate_backend(active_pid, 5000) FROM pg_replication_slots
      WHERE database = $1 AND active_pid IS NOT NULL`,
    [name],
  );
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/**
 * A fresh, migrated database for this bench run on the server at `adminUrl` (default: DATABASE_URL's).
 * With `keep`, a database of that name left by an earlier run is used as it is (migrated if need
 * be) and `drop()` leaves it in place: for data too slow to generate on every run.
 */
export async function createBenchDatabase(
  name = process.env.BENCH_DATABASE ?? 'eventrail_bench',
  { keep = false, adminUrl = ADMIN_URL } = {},
): Promise<BenchDatabase> {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const admin = await benchClient(adminUrl, `bench admin ${name}`);
  const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (!keep) await dropDatabase(admin, name);
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
      const again = await benchClient(adminUrl, `bench admin ${name}`);
      await dropDatabase(again, name);
      await again.end();
    },
  };
}
