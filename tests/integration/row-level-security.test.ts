/**
 * With row-level security enabled, a role that is not a superuser (nor, without `force`, the
 * owner) reads only the rows of the tenant set for its transaction, even with a hand-written
 * SELECT; with no tenant set it reads nothing. Writes stay open; disabling restores everything.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogger } from '../../src/index.js';
import {
  disableRowLevelSecurity,
  EventQueries,
  enableRowLevelSecurity,
  migrate,
  PostgresSink,
  type QueryableLike,
  rebuildRollups,
  withTenant,
} from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';

const db = useTestDatabase();
const role = `eventrail_reader_${randomBytes(5).toString('hex')}`;

async function tenantsSeen(connection: QueryableLike): Promise<Record<string, number>> {
  const { rows } = await connection.query(
    `SELECT coalesce(tenant_id, '(none)') AS tenant, count(*)::int AS n
       FROM eventrail.event_logs GROUP BY 1 ORDER BY 1`,
  );
  return Object.fromEntries(rows.map((r: { tenant: string; n: number }) => [r.tenant, r.n]));
}

describe('row-level security', () => {
  let app: pg.Pool;

  beforeAll(async () => {
    await db.pool.query(`CREATE ROLE ${role} LOGIN`);
    await db.pool.query(`GRANT USAGE ON SCHEMA eventrail TO ${role}`);
    await db.pool.query(`GRANT SELECT, INSERT ON eventrail.event_logs TO ${role}`);
    const url = new URL(db.url);
    url.username = role;
    // One connection, so that every transaction reuses the one before it.
    app = new pg.Pool({ connectionString: url.toString(), max: 1 });
    await insertEvents(db.pool, [
      ...Array.from({ length: 5 }, () => ({ type: 'T', userId: 'u1', tenantId: 'tenant-a' })),
      ...Array.from({ length: 7 }, () => ({ type: 'T', userId: 'u1', tenantId: 'tenant-b' })),
      { type: 'T', userId: 'u1' },
    ]);
  });

  afterAll(async () => {
    await app.end();
    await disableRowLevelSecurity({ db: db.pool });
    await db.pool.query('ALTER TABLE eventrail.event_logs OWNER TO CURRENT_USER');
    await db.pool.query(`DROP OWNED BY ${role}`);
    await db.pool.query(`DROP ROLE ${role}`);
  });

  it('is off until enabled: the role reads every tenant', async () => {
    expect(await tenantsSeen(app)).toEqual({ '(none)': 1, 'tenant-a': 5, 'tenant-b': 7 });
  });

  it('limits a hand-written SELECT to the transaction’s tenant', async () => {
    await enableRowLevelSecurity({ db: db.pool });
    await enableRowLevelSecurity({ db: db.pool }); // idempotent
    expect(await withTenant({ db: app, tenantId: 'tenant-a' }, tenantsSeen)).toEqual({
      'tenant-a': 5,
    });
    const asked = await withTenant({ db: app, tenantId: 'tenant-a' }, async (c) => {
      const { rows } = await c.query(
        `SELECT count(*)::int AS n FROM eventrail.event_logs WHERE tenant_id = 'tenant-b' OR true`,
      );
      return rows[0].n;
    });
    expect(asked).toBe(5);
    expect(await withTenant({ db: app, tenantId: 'tenant-b' }, tenantsSeen)).toEqual({
      'tenant-b': 7,
    });
  });

  it('shows nothing when no tenant is set, also on a connection a tenant used before', async () => {
    await withTenant({ db: app, tenantId: 'tenant-a' }, tenantsSeen);
    expect(await tenantsSeen(app)).toEqual({});
    await expect(withTenant({ db: app, tenantId: '' }, tenantsSeen)).rejects.toMatchObject({
      field: 'options.tenantId',
    });
  });

  it('applies under the query module too, whatever the scope says', async () => {
    const page = await withTenant({ db: app, tenantId: 'tenant-b' }, (connection) =>
      new EventQueries({ db: connection }).listEvents({ userId: 'u1' }, {}, { limit: 500 }),
    );
    expect(page.items.map((e) => e.tenantId)).toEqual(Array(7).fill('tenant-b'));
  });

  it('applies to the rollups the aggregates read, and to their tail', async () => {
    await db.pool.query(`GRANT SELECT ON eventrail.event_rollups, eventrail.rollups TO ${role}`);
    await rebuildRollups({ db: db.pool });
    await insertEvents(db.pool, [{ type: 'LATE', userId: 'u1', tenantId: 'tenant-a' }]);
    const counts = await withTenant({ db: app, tenantId: 'tenant-a' }, (connection) =>
      new EventQueries({ db: connection }).countsByType({ userId: 'u1' }),
    );
    expect(counts).toEqual([
      { type: 'T', count: 5 },
      { type: 'LATE', count: 1 },
    ]);
  });

  it('commits what the callback wrote, and rolls back when it throws', async () => {
    const insert = (c: QueryableLike) =>
      c.query(
        `INSERT INTO eventrail.event_logs (id, event_type, user_id, tenant_id)
         VALUES (gen_random_uuid(), 'W', 'u2', 'tenant-a')`,
      );
    await withTenant({ db: app, tenantId: 'tenant-a' }, insert);
    await expect(
      withTenant({ db: app, tenantId: 'tenant-a' }, async (c) => {
        await insert(c);
        throw new Error('host failure');
      }),
    ).rejects.toThrow('host failure');
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM eventrail.event_logs WHERE user_id = 'u2'`,
    );
    expect(rows[0].n).toBe(1);
  });

  it('lets a bound role write only rows of its tenant', async () => {
    const insert = (tenant: string) => (c: QueryableLike) =>
      c.query(
        `INSERT INTO eventrail.event_logs (id, event_type, user_id, tenant_id)
         VALUES (gen_random_uuid(), 'W', 'u3', $1) ON CONFLICT DO NOTHING`,
        [tenant],
      );
    await withTenant({ db: app, tenantId: 'tenant-c' }, insert('tenant-c'));
    await expect(
      withTenant({ db: app, tenantId: 'tenant-c' }, insert('tenant-a')),
    ).rejects.toMatchObject({
      code: '42501',
    });
    await expect(insert('tenant-c')(app)).rejects.toMatchObject({ code: '42501' });
  });

  it('binds neither superusers nor, without force, the owner: the logger writes as one', async () => {
    const logger = new EventLogger({ sinks: [new PostgresSink({ db: db.pool })], fallback: null });
    await logger.logEvent({ type: 'L', userId: 'u4', tenantId: 'tenant-a' });
    await logger.logEvent({ type: 'L', userId: 'u4', tenantId: 'tenant-d' });
    expect((await logger.close()).sinks.postgres?.written).toBe(2);
    expect(await withTenant({ db: app, tenantId: 'tenant-d' }, tenantsSeen)).toEqual({
      'tenant-d': 1,
    });
  });

  it('is undone by disableRowLevelSecurity', async () => {
    await disableRowLevelSecurity({ db: db.pool });
    await disableRowLevelSecurity({ db: db.pool }); // idempotent
    expect(Object.keys(await tenantsSeen(app))).toEqual([
      '(none)',
      'tenant-a',
      'tenant-b',
      'tenant-c',
      'tenant-d',
    ]);
    const { rows } = await db.pool.query(
      `SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'eventrail.event_logs'::regclass`,
    );
    expect(rows[0]).toEqual({ relrowsecurity: false, relforcerowsecurity: false });
    const policies = await db.pool.query(
      `SELECT 1 FROM pg_policies WHERE tablename = 'event_logs'`,
    );
    expect(policies.rows).toEqual([]);
  });

  it('binds the table owner only with force', async () => {
    await db.pool.query(`ALTER TABLE eventrail.event_logs OWNER TO ${role}`);
    await enableRowLevelSecurity({ db: db.pool });
    expect((await tenantsSeen(app))['tenant-b']).toBe(7);
    await enableRowLevelSecurity({ db: db.pool, force: true });
    expect(await tenantsSeen(app)).toEqual({});
    expect(Object.keys(await withTenant({ db: app, tenantId: 'tenant-b' }, tenantsSeen))).toEqual([
      'tenant-b',
    ]);
    await db.pool.query('ALTER TABLE eventrail.event_logs OWNER TO CURRENT_USER');
    await disableRowLevelSecurity({ db: db.pool });
  });

  it('is never applied by migrate()', async () => {
    await migrate({ db: db.pool });
    const { rows } = await db.pool.query(
      `SELECT relrowsecurity FROM pg_class WHERE oid = 'eventrail.event_logs'::regclass`,
    );
    expect(rows[0].relrowsecurity).toBe(false);
  });
});
