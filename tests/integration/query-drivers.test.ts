/** The query module works on what a host already has: PGlite, a drizzle database, a pg Client. */
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  EventQueries,
  migrate,
  type PgDatabase,
  TENANT_SETTING,
  withTenant,
} from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';

const db = useTestDatabase();

async function exercise(database: PgDatabase, seed: PgDatabase): Promise<void> {
  const stored = await insertEvents(
    seed,
    Array.from({ length: 25 }, (_, i) => ({
      type: i % 5 === 0 ? 'ERROR' : 'TOOL_REQUEST',
      userId: 'u',
      tenantId: 't',
      payload: { i, error_code: 'E1' },
      createdAt: new Date(Date.UTC(2024, 0, 1, 0, i)),
    })),
  );
  const queries = new EventQueries({ db: database });
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await queries.listEvents(
      { userId: 'u' },
      {},
      { limit: 4, ...(cursor ? { cursor } : {}) },
    );
    ids.push(...page.items.map((e) => e.id));
    cursor = page.nextCursor;
  } while (cursor);
  expect(ids).toEqual(stored.map((e) => e.id).reverse());
  expect(await queries.countsByType({ userId: 'u' })).toEqual([
    { type: 'TOOL_REQUEST', count: 20 },
    { type: 'ERROR', count: 5 },
  ]);
  expect(await queries.errorStats({ userId: 'u' })).toEqual({
    total: 5,
    byCode: [{ errorCode: 'E1', count: 5 }],
    byTool: [{ toolName: null, count: 5 }],
  });
  const series = await queries.timeSeries(
    { userId: 'u' },
    { from: new Date(Date.UTC(2024, 0, 1)), to: new Date(Date.UTC(2024, 0, 1, 3)) },
    { bucket: 'hour' },
  );
  expect(series.map((p) => p.count)).toEqual([25, 0, 0]);
  const { items } = await queries.recentErrors(
    { userId: 'u', tenantId: 't' },
    { from: new Date(Date.UTC(2023, 0, 1)) },
  );
  expect(items).toHaveLength(5);
}

describe('query drivers', () => {
  const pglite = new PGlite();
  afterAll(async () => {
    await pglite.close();
  });

  it('reads from PGlite, directly and through drizzle', async () => {
    await migrate({ db: pglite });
    await exercise(pglite, pglite);
    await pglite.query('TRUNCATE eventrail.event_logs');
    await exercise(drizzlePglite(pglite), pglite);
  });

  it('reads through a drizzle node-postgres database and a plain pg Client', async () => {
    await exercise(drizzle(db.pool), db.pool);
    await db.pool.query('TRUNCATE eventrail.event_logs');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await exercise(client, client);
    } finally {
      await client.end();
    }
  });

  it('sets the tenant for one transaction on a single connection (PGlite) as on a pool', async () => {
    const setting = `SELECT current_setting('${TENANT_SETTING}', true) AS tenant`;
    for (const database of [pglite, db.pool] as PgDatabase[]) {
      const inside = await withTenant(
        { db: database, tenantId: 'tenant-x' },
        async (c) => (await c.query(setting)).rows[0].tenant,
      );
      expect(inside).toBe('tenant-x');
    }
    const after = await pglite.query<{ tenant: string | null }>(setting);
    expect(after.rows[0]?.tenant ?? '').toBe('');
  });
});
