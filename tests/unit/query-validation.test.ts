/**
 * Every bad argument of a read is refused with a ValidationError naming the field, before any
 * SQL is sent (the fake database only counts calls).
 */
import { describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { EventQueries, MemoryCacheStore, RedisCacheStore } from '../../src/postgres/index.js';

function setup() {
  const db = { query: vi.fn(async () => ({ rows: [] })) };
  return { db, queries: new EventQueries({ db }) };
}

const A = { userId: 'user-a' };

async function refused(promise: Promise<unknown>, field: string, code?: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ field, ...(code ? { code } : {}) });
}

describe('query validation', () => {
  it('refuses a missing, empty or misspelt scope', async () => {
    const { db, queries } = setup();
    const bad: [unknown, string, string][] = [
      [undefined, 'scope.userId', 'VALIDATION_REQUIRED'],
      [null, 'scope.userId', 'VALIDATION_REQUIRED'],
      [{}, 'scope.userId', 'VALIDATION_REQUIRED'],
      [{ userId: '' }, 'scope.userId', 'VALIDATION_REQUIRED'],
      [{ userId: 7 }, 'scope.userId', 'VALIDATION_TYPE'],
      [{ userId: 'a\u0000' }, 'scope.userId', 'VALIDATION_BAD_STRING'],
      [{ userId: 'a', projectId: '' }, 'scope.projectId', 'VALIDATION_REQUIRED'],
      [{ userId: 'a', tenantId: null }, 'scope.tenantId', 'VALIDATION_REQUIRED'],
      [{ userId: 'a', projectID: 'p' }, 'scope.projectID', 'VALIDATION_UNKNOWN'],
    ];
    for (const [scope, field, code] of bad) {
      const s = scope as { userId: string };
      await refused(queries.listEvents(s), field, code);
      await refused(queries.countsByType(s), field, code);
      await refused(queries.agentInteractions(s), field, code);
      await refused(queries.errorStats(s), field, code);
      await refused(queries.sessionEvents(s, 'x'), field, code);
    }
    await refused(
      queries.recentErrors(A as { userId: string; tenantId: string }),
      'scope.tenantId',
    );
    expect(db.query).not.toHaveBeenCalled();
  });

  it('refuses a limit over the maximum instead of clamping it, and other bad page options', async () => {
    const { db, queries } = setup();
    await refused(queries.listEvents(A, {}, { limit: 501 }), 'page.limit', 'VALIDATION_RANGE');
    await refused(queries.listEvents(A, {}, { limit: 0 }), 'page.limit');
    await refused(queries.listEvents(A, {}, { limit: 2.5 }), 'page.limit');
    await refused(queries.listEvents(A, {}, { limit: '10' as unknown as number }), 'page.limit');
    await refused(queries.listEvents(A, {}, { offset: -1 }), 'page.offset');
    await refused(queries.listEvents(A, {}, { offset: 1, cursor: 'x' }), 'page.offset');
    await refused(queries.listEvents(A, {}, { cursor: 'not-a-cursor' }), 'page.cursor');
    await refused(queries.listEvents(A, {}, { cursor: 5 as unknown as string }), 'page.cursor');
    await refused(queries.listEvents(A, {}, { order: 'up' as 'asc' }), 'page.order');
    await refused(queries.listEvents(A, {}, { size: 5 } as object), 'page.size');
    expect(db.query).not.toHaveBeenCalled();
    await queries.listEvents(A, {}, { limit: 500 });
    // Nothing found: the page is looked for in its three slices of time (the last day, the week
    // before it, all that is older), each statement asking for the 501 rows still missing.
    expect(db.query).toHaveBeenCalledTimes(3);
    for (const call of db.query.mock.calls) {
      expect(call).toContainEqual(expect.arrayContaining([501]));
    }
  });

  it('honours a smaller maxLimit and its own default limit', async () => {
    const db = { query: vi.fn(async () => ({ rows: [] })) };
    const queries = new EventQueries({ db, maxLimit: 20, defaultLimit: 10 });
    await refused(queries.listEvents(A, {}, { limit: 21 }), 'page.limit');
    await queries.listEvents(A);
    expect(db.query.mock.calls[0]).toContainEqual(expect.arrayContaining([11]));
  });

  it('refuses bad filter values, naming the filter', async () => {
    const { db, queries } = setup();
    const bad: [object, string][] = [
      [{ types: 'ERROR' }, 'filters.types'],
      [{ types: [] }, 'filters.types'],
      [{ types: Array.from({ length: 101 }, (_, i) => `T${i}`) }, 'filters.types'],
      [{ types: ['A', ''] }, 'filters.types[1]'],
      [{ types: ['A', 3] }, 'filters.types[1]'],
      [{ agentId: '' }, 'filters.agentId'],
      [{ sessionId: 5 }, 'filters.sessionId'],
      [{ workflowId: null }, 'filters.workflowId'],
      [{ errorCode: 'E\u0000' }, 'filters.errorCode'],
      [{ toolName: ['x'] }, 'filters.toolName'],
      [{ aggregate: 'bom-1' }, 'filters.aggregate'],
      [{ aggregate: { type: 'bom' } }, 'filters.aggregate.id'],
      [{ aggregate: { id: 'bom-1' } }, 'filters.aggregate.type'],
      [{ errorsOnly: 'yes' }, 'filters.errorsOnly'],
      [{ from: 'yesterday' }, 'filters.from'],
      [{ to: {} }, 'filters.to'],
      [{ from: '2024-02-01', to: '2024-01-01' }, 'filters.to'],
      [{ type: 'ERROR' }, 'filters.type'],
    ];
    for (const [filters, field] of bad) {
      await refused(queries.listEvents(A, filters), field);
      await refused(queries.countsByType(A, filters), field);
    }
    await refused(queries.listEvents(A, null as unknown as object), 'filters');
    const tenant = { ...A, tenantId: 't' };
    await refused(queries.recentErrors(tenant, null as unknown as object), 'filters');
    await refused(queries.recentErrors(tenant, { agentId: '' }), 'filters.agentId');
    expect(db.query).not.toHaveBeenCalled();
  });

  it('refuses time series without a range, with a bad bucket or zone, or too many buckets', async () => {
    const { db, queries } = setup();
    const range = { from: '2024-01-01', to: '2024-01-02' };
    await refused(queries.timeSeries(A, { to: range.to }, { bucket: 'hour' }), 'filters.from');
    await refused(queries.timeSeries(A, { from: range.from }, { bucket: 'hour' }), 'filters.to');
    await refused(queries.timeSeries(A, range, { bucket: 'week' as 'day' }), 'series.bucket');
    await refused(
      queries.timeSeries(A, range, { bucket: 'hour', timeZone: 'Mars/Olympus' }),
      'series.timeZone',
    );
    await refused(
      queries.timeSeries(A, { from: '2024-01-01', to: '2024-02-01' }, { bucket: 'minute' }),
      'series.bucket',
    );
    expect(db.query).not.toHaveBeenCalled();
  });

  it('refuses bad options at construction', () => {
    const db = { query: async () => ({ rows: [] }) };
    const bad: [object, string][] = [
      [{ db: {} }, 'options.db'],
      [{ db, schema: 'a b' }, 'options.schema'],
      [{ db, maxLimit: 0 }, 'options.maxLimit'],
      [{ db, defaultLimit: 600 }, 'options.defaultLimit'],
      [{ db, cacheTtlMs: 0 }, 'options.cacheTtlMs'],
      [{ db, cache: {} }, 'options.cache'],
      [{ db, cursorSecret: 'short' }, 'options.cursorSecret'],
      [{ db, cursorSecret: 42 }, 'options.cursorSecret'],
      [{ db, onCacheError: () => {} }, 'options.onCacheError'],
      [{ db, maxLimit: 20, defaultLimit: 30 }, 'options.defaultLimit'],
    ];
    for (const [options, field] of bad) {
      expect(() => new EventQueries(options as { db: typeof db })).toThrow(
        expect.objectContaining({ field }),
      );
    }
    expect(() => new MemoryCacheStore({ maxEntries: 0 })).toThrow(
      expect.objectContaining({ field: 'options.maxEntries' }),
    );
    expect(new EventQueries({ db, cursorSecret: 'x'.repeat(16) })).toBeInstanceOf(EventQueries);
  });

  it('refuses a misspelt option or input key with the closest known one, by one rule', async () => {
    const { db, queries } = setup();
    const refusedWith = (act: () => unknown, field: string, closest: string) =>
      expect(act).toThrow(
        expect.objectContaining({
          field,
          code: 'VALIDATION_UNKNOWN',
          message: expect.stringContaining(`did you mean '${closest}'?`),
        }),
      );
    refusedWith(() => new EventQueries({ db, maxLimt: 5 } as never), 'options.maxLimt', 'maxLimit');
    refusedWith(
      () => new EventQueries({ db, cacheTTLMs: 5 } as never),
      'options.cacheTTLMs',
      'cacheTtlMs',
    );
    refusedWith(
      () => new MemoryCacheStore({ maxEntry: 5 } as never),
      'options.maxEntry',
      'maxEntries',
    );
    const client = { get: async () => null, set: async () => 'OK' };
    refusedWith(
      () => new RedisCacheStore({ client, keyPrefx: 'x' } as never),
      'options.keyPrefx',
      'keyPrefix',
    );
    const input = [
      [queries.listEvents({ userId: 'u', tenantID: 't' } as never), 'scope.tenantID', 'tenantId'],
      [queries.listEvents(A, { agentID: 'a' } as never), 'filters.agentID', 'agentId'],
      [queries.listEvents(A, {}, { limt: 5 } as never), 'page.limt', 'limit'],
      [queries.sessions(A, {}, { limits: 5 } as never), 'page.limits', 'limit'],
    ] as const;
    for (const [promise, field, closest] of input) {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ field, code: 'VALIDATION_UNKNOWN' });
      expect((error as Error).message).toContain(`did you mean '${closest}'?`);
    }
    await refused(queries.listEvents(A, { zzz: 1 } as never), 'filters.zzz', 'VALIDATION_UNKNOWN');
    expect(db.query).not.toHaveBeenCalled();
  });

  it('refuses what is not an options object, with a ValidationError (never a TypeError)', () => {
    const db = { query: async () => ({ rows: [] }) };
    for (const options of [undefined, null, 'db', 42, [db]]) {
      expect(() => new EventQueries(options as never)).toThrow(ValidationError);
      expect(() => new RedisCacheStore(options as never)).toThrow(ValidationError);
    }
    expect(() => new MemoryCacheStore('big' as never)).toThrow(
      expect.objectContaining({ field: 'options', code: 'VALIDATION_TYPE' }),
    );
    expect(() => new EventQueries(db as never)).toThrow(
      expect.objectContaining({ field: 'options.query', code: 'VALIDATION_UNKNOWN' }),
    );
  });
});
