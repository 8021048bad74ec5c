/**
 * Aggregates are served from the cache (in memory, or Redis) until the TTL passes; entries
 * are keyed by the full scope and every parameter, so no user gets another's figures; a
 * failing store never fails a read. (Databases and tenants: aggregate-cache-isolation.)
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { QueryCacheError } from '../../src/index.js';
import {
  type CacheStore,
  EventQueries,
  MemoryCacheStore,
  RedisCacheStore,
} from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';

const db = useTestDatabase();
const prefix = `eventrail-test-${randomBytes(6).toString('hex')}:`;
const A = { userId: 'user-a' };
const B = { userId: 'user-b' };

/**
 * The database as the query object sees it, counting the statements that read the events table.
 * A cached read still asks the session who reads (role and tenant: part of the key), which
 * reads no table; `probes` counts those.
 */
const counted = {
  statements: 0,
  probes: 0,
  query(text: string, params?: unknown[]) {
    if (text.includes('event_logs')) counted.statements += 1;
    else counted.probes += 1;
    return db.pool.query(text, params);
  },
};

async function log(userId: string, type: string, count: number): Promise<void> {
  await insertEvents(
    db.pool,
    Array.from({ length: count }, () => ({ type, userId, sessionId: 's', agentId: 'agent-1' })),
  );
}

const total = (counts: { count: number }[]) => counts.reduce((n, c) => n + c.count, 0);

/** `store`, keeping the key of every entry set through it. */
function recording(store: CacheStore): CacheStore & { readonly keys: Set<string> } {
  const keys = new Set<string>();
  return {
    keys,
    get: (key) => store.get(key),
    set: (key, value, ttlMs) => {
      keys.add(key);
      return store.set(key, value, ttlMs);
    },
  };
}

describe.each(['memory', 'redis'] as const)('aggregate cache (%s)', (kind) => {
  let redis: Redis | undefined;
  let store: ReturnType<typeof recording>;

  beforeAll(async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    await log('user-a', 'TOOL_REQUEST', 3);
    await log('user-b', 'AGENT_SWITCHED', 7);
    if (kind === 'redis') {
      redis = new Redis(inject('redisUrl'));
      store = recording(new RedisCacheStore({ client: redis, keyPrefix: prefix }));
    } else {
      store = recording(new MemoryCacheStore());
    }
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  afterAll(async () => {
    if (redis) {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('serves a repeated aggregate from the cache, without a statement', async () => {
    const queries = new EventQueries({ db: counted, cache: store });
    const first = await queries.countsByType(A, { sessionId: 's' });
    expect(first).toEqual([{ type: 'TOOL_REQUEST', count: 3 }]);
    await log('user-a', 'TOOL_REQUEST', 2);
    const before = counted.statements;
    const probesBefore = counted.probes;
    expect(await queries.countsByType(A, { sessionId: 's' })).toEqual(first);
    expect(counted.statements).toBe(before);
    expect(counted.probes).toBe(probesBefore + 1); // who reads: role and tenant
    // Another parameter is another entry: the database answers, with the new rows.
    expect(total(await queries.countsByType(A, { agentId: 'agent-1' }))).toBe(5);
    expect(counted.statements).toBe(before + 1);
    // Two entries in the store, each holding the figures it was computed with.
    const held = await Promise.all([...store.keys].map((key) => store.get(key)));
    expect(held.map((json) => JSON.parse(json ?? 'null'))).toEqual([
      [{ type: 'TOOL_REQUEST', count: 3 }],
      [{ type: 'TOOL_REQUEST', count: 5 }],
    ]);
  });

  it('keys entries by the full scope: one user never gets another’s figures', async () => {
    const queries = new EventQueries({ db: db.pool, cache: store });
    expect(await queries.agentInteractions(A)).toEqual([]);
    expect(await queries.agentInteractions(B)).toEqual([
      { agentId: 'agent-1', switches: 7, directCalls: 0 },
    ]);
    expect(total(await queries.countsByType(A))).toBe(5);
    expect(total(await queries.countsByType(B))).toBe(7);
    expect(total(await queries.countsByType({ ...B, projectId: 'p' }))).toBe(0);
    expect(total(await queries.countsByType({ ...B, tenantId: 't' }))).toBe(0);
    expect(await queries.agentInteractions(A)).toEqual([]);
  });

  it('serves each aggregate kind back in its own shape (Dates included)', async () => {
    const queries = new EventQueries({ db: counted, cache: store });
    const range = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) };
    const reads = [
      () => queries.errorStats(A),
      () => queries.timeSeries(A, range, { bucket: 'minute' }),
      () => queries.agentInteractions(A, range),
    ];
    for (const read of reads) {
      const fresh = await read();
      const before = counted.statements;
      expect(await read()).toEqual(fresh);
      expect(counted.statements).toBe(before);
    }
  });

  it('expires entries after the TTL', async () => {
    const queries = new EventQueries({ db: db.pool, cache: store, cacheTtlMs: 300 });
    const scope = { userId: 'user-a', projectId: kind };
    await insertEvents(db.pool, [{ type: 'X', userId: 'user-a', projectId: kind }]);
    expect(total(await queries.countsByType(scope))).toBe(1);
    await insertEvents(db.pool, [{ type: 'X', userId: 'user-a', projectId: kind }]);
    expect(total(await queries.countsByType(scope))).toBe(1);
    await new Promise((r) => setTimeout(r, 600));
    expect(total(await queries.countsByType(scope))).toBe(2);
  });

  it('keeps entries for 5 minutes by default', async () => {
    if (redis) {
      const queries = new EventQueries({ db: db.pool, cache: store });
      await queries.countsByType({ userId: 'ttl-probe' });
      const ttls = await Promise.all((await redis.keys(`${prefix}*`)).map((k) => redis!.pttl(k)));
      expect(Math.max(...ttls)).toBeGreaterThan(290_000);
      expect(Math.max(...ttls)).toBeLessThanOrEqual(300_000);
      return;
    }
    vi.useFakeTimers({ toFake: ['Date'] });
    const queries = new EventQueries({ db: db.pool, cache: store });
    const scope = { userId: 'ttl-probe' };
    expect(total(await queries.countsByType(scope))).toBe(0);
    await insertEvents(db.pool, [{ type: 'X', userId: 'ttl-probe' }]);
    vi.advanceTimersByTime(299_000);
    expect(total(await queries.countsByType(scope))).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(total(await queries.countsByType(scope))).toBe(1);
  });
});

describe('metrics()', () => {
  it('counts reads, their durations, cache hits and misses, and reads the database failed', async () => {
    const queries = new EventQueries({ db: db.pool, cache: new MemoryCacheStore() });
    expect(queries.metrics()).toEqual({
      reads: 0,
      failedReads: 0,
      readDurationMs: { count: 0, p50: 0, p99: 0, max: 0 },
      cacheHits: 0,
      cacheMisses: 0,
      cacheErrors: 0,
    });
    await queries.countsByType(A);
    await queries.countsByType(A);
    await queries.listEvents(A);
    await queries.sessions(A);
    await expect(queries.listEvents(A, {}, { limit: 0 })).rejects.toThrow(); // refused: no read
    const metrics = queries.metrics();
    expect(metrics).toMatchObject({ reads: 4, failedReads: 0, cacheHits: 1, cacheMisses: 1 });
    expect(metrics.readDurationMs.count).toBe(4);
    expect(metrics.readDurationMs.max).toBeGreaterThan(0);
    const nowhere = new EventQueries({ db: db.pool, schema: 'nowhere' });
    await expect(nowhere.listEvents(A)).rejects.toThrow(/nowhere/);
    expect(nowhere.metrics()).toMatchObject({ reads: 0, failedReads: 1, cacheMisses: 0 });
  });
});

describe('a failing cache store', () => {
  it('lets the database answer and reports the error as an error event', async () => {
    const offline = new Redis(inject('redisUrl'));
    await offline.quit(); // every command now fails: the connection is closed
    const errors: QueryCacheError[] = [];
    const queries = new EventQueries({
      db: db.pool,
      cache: new RedisCacheStore({ client: offline, keyPrefix: prefix }),
    });
    queries.on('error', (error) => errors.push(error));
    await insertEvents(db.pool, [{ type: 'Y', userId: 'user-offline' }]);
    expect(await queries.countsByType({ userId: 'user-offline' })).toEqual([
      { type: 'Y', count: 1 },
    ]);
    expect(errors).toHaveLength(2); // the get and the set
    expect(errors.map((e) => e.operation)).toEqual(['get', 'set']);
    expect(errors[0]).toBeInstanceOf(QueryCacheError);
    expect(errors[0]).toMatchObject({ code: 'QUERY_CACHE' });
    expect(String((errors[0] as QueryCacheError).cause)).toMatch(/closed/i);
    expect(queries.metrics()).toMatchObject({
      reads: 1,
      failedReads: 0,
      cacheHits: 0,
      cacheMisses: 1,
      cacheErrors: 2,
    });
  });

  it('warns once when nobody listens for its errors, and still answers', async () => {
    const offline = new Redis(inject('redisUrl'));
    await offline.quit();
    const queries = new EventQueries({
      db: db.pool,
      cache: new RedisCacheStore({ client: offline, keyPrefix: prefix }),
    });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      await queries.countsByType({ userId: 'user-offline' });
      await queries.countsByType({ userId: 'user-offline' });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    const unheard = warnings.filter((w) => w.name === 'EventrailUnhandledError');
    expect(unheard).toHaveLength(1);
    expect(unheard[0]?.message).toMatch(/aggregate cache get failed.*EventQueries/);
    expect(queries.metrics().cacheErrors).toBe(4);
  });
});
