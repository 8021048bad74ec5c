/**
 * Cached aggregates never cross databases or tenants: two databases, and two row-level security
 * tenants of one database, share one store (in memory, or one Redis with one key prefix) and
 * each still sees only its own figures, first read and cached read alike, with no option set.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type CacheStore,
  disableRowLevelSecurity,
  EventQueries,
  enableRowLevelSecurity,
  MemoryCacheStore,
  type QueryableLike,
  RedisCacheStore,
  withTenant,
} from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';

const first = useTestDatabase();
const second = useTestDatabase();
const prefix = `eventrail-test-${randomBytes(6).toString('hex')}:`;
const role = `eventrail_tenant_reader_${randomBytes(5).toString('hex')}`;
const scope = { userId: 'user-a' };

const events = (count: number, tenantId?: string, userId = 'user-a') =>
  Array.from({ length: count }, () => ({ type: 'TOOL_REQUEST', userId, tenantId }));
const total = (counts: { count: number }[]) => counts.reduce((n, c) => n + c.count, 0);

let redis: Redis;
let tenantPool: pg.Pool;

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'));
  // Same user, same filters, different rows: in the first database 2 events of tenant-x and 4
  // of tenant-y; per store kind, a user with 3 events in the first database and 5 in the second.
  await insertEvents(first.pool, [...events(2, 'tenant-x'), ...events(4, 'tenant-y')]);
  for (const kind of ['memory', 'redis']) {
    await insertEvents(first.pool, events(3, undefined, `db-${kind}`));
    await insertEvents(second.pool, events(5, undefined, `db-${kind}`));
  }
  await first.pool.query(`CREATE ROLE ${role} LOGIN`);
  await first.pool.query(`GRANT USAGE ON SCHEMA eventrail TO ${role}`);
  await first.pool.query(`GRANT SELECT ON eventrail.event_logs TO ${role}`);
  await enableRowLevelSecurity({ db: first.pool });
  const url = new URL(first.url);
  url.username = role;
  tenantPool = new pg.Pool({ connectionString: url.toString(), max: 2 });
});

afterAll(async () => {
  await tenantPool.end();
  await disableRowLevelSecurity({ db: first.pool });
  await first.pool.query(`DROP OWNED BY ${role}`);
  await first.pool.query(`DROP ROLE ${role}`);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe.each(['memory', 'redis'] as const)('one %s store shared', (kind) => {
  let store: CacheStore;
  beforeAll(() => {
    store =
      kind === 'redis'
        ? new RedisCacheStore({ client: redis, keyPrefix: prefix })
        : new MemoryCacheStore();
  });

  it('by two databases: each sees its own figures, fresh and cached', async () => {
    const user = { userId: `db-${kind}` };
    const one = new EventQueries({ db: first.pool, cache: store });
    const two = new EventQueries({ db: second.pool, cache: store });
    for (let round = 0; round < 2; round++) {
      expect(total(await one.countsByType(user))).toBe(3);
      expect(total(await two.countsByType(user))).toBe(5);
    }
    // A new query object on the same database finds the same entry (the key is not per object):
    // a row added since is not counted until the entry expires.
    const again = new EventQueries({ db: second.pool, cache: store });
    await insertEvents(second.pool, events(1, undefined, `db-${kind}`));
    expect(total(await again.countsByType(user))).toBe(5);
    expect(total(await new EventQueries({ db: second.pool }).countsByType(user))).toBe(6);
  });

  it('by two tenants of one database (withTenant): each sees its own figures', async () => {
    const read = (tenant: string) =>
      withTenant({ db: tenantPool, tenantId: tenant }, (connection: QueryableLike) =>
        new EventQueries({ db: connection, cache: store }).countsByType(scope),
      );
    for (let round = 0; round < 2; round++) {
      expect(total(await read('tenant-x'))).toBe(2);
      expect(total(await read('tenant-y'))).toBe(4);
      // The bound role outside any tenant sees nothing, even after the others were cached.
      expect(
        total(await new EventQueries({ db: tenantPool, cache: store }).countsByType(scope)),
      ).toBe(0);
    }
    // One query object over the role's pool, reused across tenants, keeps them apart as well.
    const shared = new EventQueries({ db: tenantPool, cache: store });
    const viaClient = async (tenant: string) => {
      const client = await tenantPool.connect();
      try {
        return await withTenant({ db: client, tenantId: tenant }, () => shared.countsByType(scope));
      } finally {
        client.release();
      }
    };
    expect(total(await viaClient('tenant-y'))).toBe(0); // pool reads run outside the client's transaction
    const onClient = async (tenant: string) => {
      const client = await tenantPool.connect();
      try {
        const queries = new EventQueries({ db: client, cache: store });
        const counts: number[] = [];
        for (const t of [tenant, 'tenant-x', tenant]) {
          counts.push(
            total(await withTenant({ db: client, tenantId: t }, () => queries.countsByType(scope))),
          );
        }
        return counts;
      } finally {
        client.release();
      }
    };
    expect(await onClient('tenant-y')).toEqual([4, 2, 4]);
  });
});
