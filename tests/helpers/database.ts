/**
 * Each integration test file gets its own database, created on the server at DATABASE_URL,
 * migrated, and dropped when the file ends; files run in parallel without seeing each other.
 * Connections still open to it at the end are reported as a leak (the test file fails).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { migrate } from '../../src/postgres/index.js';

export interface TestDatabase {
  /** Connection string of this file's database. */
  readonly url: string;
  /** A pool on it, ended by the helper. */
  readonly pool: pg.Pool;
  readonly name: string;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * Creates (and migrates, unless `migrated: false`) a fresh database for this test file, on the
 * server at DATABASE_URL or (`server: 'logical'`, in the `wal` project) on the logical one.
 */
export function useTestDatabase(
  options: { migrated?: boolean; server?: 'main' | 'logical' } = {},
): TestDatabase {
  const name = `eventrail_test_${randomBytes(6).toString('hex')}`;
  const adminUrl = inject(options.server === 'logical' ? 'walDatabaseUrl' : 'databaseUrl');
  const url = withDatabase(adminUrl, name);
  const state = { pool: undefined as pg.Pool | undefined };

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    state.pool = new pg.Pool({ connectionString: url, max: 8 });
    // An idle client killed by a test (pg_terminate_backend, a restart) reports here; the next
    // query on the pool simply gets a new connection.
    state.pool.on('error', () => {});
    if (options.migrated !== false) await migrate({ db: state.pool });
  });

  afterAll(async () => {
    await state.pool?.end();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      const leaked = await openConnections(admin, name);
      // A replication slot keeps its database: the test's slots go with it.
      await admin.query(
        `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
          WHERE database = $1 AND active_pid IS NOT NULL`,
        [name],
      );
      await admin.query(
        'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = $1',
        [name],
      );
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      if (leaked > 0)
        throw new Error(`${leaked} connection(s) to ${name} were left open by the test`);
    } finally {
      await admin.end();
    }
  });

  return {
    url,
    name,
    get pool(): pg.Pool {
      if (!state.pool) throw new Error('useTestDatabase: the database is ready only inside tests');
      return state.pool;
    },
  };
}

/** Connections to `database`, waiting up to a second for closing ones to go away. */
async function openConnections(admin: pg.Client, database: string): Promise<number> {
  let count = 0;
  for (let i = 0; i < 20; i++) {
    const { rows } = await admin.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );
    count = rows[0]?.n ?? 0;
    if (count === 0) return 0;
    await new Promise((r) => setTimeout(r, 50));
  }
  return count;
}
