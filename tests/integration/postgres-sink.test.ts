import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();

async function count(
  where = 'true',
  params: unknown[] = [],
): Promise<{ rows: number; distinct: number }> {
  const { rows } = await db.pool.query(
    `SELECT count(*)::int AS rows, count(DISTINCT id)::int AS "distinct" FROM eventrail.event_logs WHERE ${where}`,
    params,
  );
  return rows[0];
}

describe('PostgresSink', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: db.url, max: 4, application_name: 'eventrail-sink' });
    // Idle clients killed by pg_terminate_backend report here; the host owns the pool and its handler.
    pool.on('error', () => {});
  });
  afterAll(async () => {
    await pool.end();
  });

  it('stores every envelope field, with the payload as jsonb', async () => {
    const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool })], fallback: null });
    const occurredAt = new Date('2024-05-01T10:00:00.123Z');
    const id = await logger.logEvent({
      type: 'TOOL_REQUEST',
      userId: 'user-a',
      projectId: 'p1',
      tenantId: 't1',
      sessionId: 's1',
      agentId: 'agent-7',
      aggregateType: 'bom',
      aggregateId: 'bom-1',
      workflowId: 'wf-1',
      correlationId: 'c1',
      source: 'customer',
      routingKey: 'cns.tool',
      priority: 6,
      occurredAt,
      payload: {
        tool_name: 'search',
        input: { q: 'ünïcødé "quotes" \\ back' },
        n: 1.5,
        ok: true,
        none: null,
      },
    });
    await logger.close();
    const { rows } = await db.pool.query('SELECT * FROM eventrail.event_logs WHERE id = $1', [id]);
    expect(rows[0]).toMatchObject({
      id,
      event_type: 'TOOL_REQUEST',
      user_id: 'user-a',
      project_id: 'p1',
      tenant_id: 't1',
      session_id: 's1',
      agent_id: 'agent-7',
      aggregate_type: 'bom',
      aggregate_id: 'bom-1',
      workflow_id: 'wf-1',
      correlation_id: 'c1',
      source: 'customer',
      tool_name: 'search',
      error_code: null,
      approval_status: null,
      routing_key: 'cns.tool',
      priority: 6,
      occurred_at: occurredAt,
      payload: {
        tool_name: 'search',
        input: { q: 'ünïcødé "quotes" \\ back' },
        n: 1.5,
        ok: true,
        none: null,
      },
    });
    expect(Math.abs(rows[0].created_at.getTime() - Date.now())).toBeLessThan(10_000);
  });

  it('lands 20k events from concurrent callers exactly once, one statement per batch', async () => {
    const logger = new EventLogger({
      sinks: [new PostgresSink({ db: pool })],
      fallback: null,
      maxBatchSize: 100,
    });
    let batches = 0;
    logger.on('batch', () => {
      batches += 1;
    });
    const callers = Array.from({ length: 20 }, async (_, caller) => {
      for (let i = 0; i < 1000; i++) {
        await logger.logEvent({ type: 'LOAD', userId: `caller-${caller}`, payload: { i } });
      }
    });
    await Promise.all(callers);
    const summary = await logger.close();
    expect(summary.sinks.postgres).toEqual({
      received: 20_000,
      written: 20_000,
      fallback: 0,
      dropped: 0,
    });
    expect(await count(`event_type = 'LOAD'`)).toEqual({ rows: 20_000, distinct: 20_000 });
    expect(batches).toBeGreaterThanOrEqual(200);
    expect(batches).toBeLessThan(20_000 / 10);
  });

  it('loses and duplicates nothing while its connections are terminated mid-stream', async () => {
    // Every connection of the pool is killed, idle ones too, eight times over: more than the
    // default retry (3 retries within 7 ms, meant for a single dropped connection) is made for.
    const logger = new EventLogger({
      sinks: [new PostgresSink({ db: pool })],
      fallback: new MemorySink({ name: 'fallback' }),
      retry: { retries: 10, minDelayMs: 5, maxDelayMs: 200 },
    });
    let retries = 0;
    logger.on('retry', () => {
      retries += 1;
    });
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    let terminated = 0;
    const killer = (async () => {
      for (let round = 0; round < 8; round++) {
        await new Promise((r) => setTimeout(r, 40));
        const { rows } = await admin.query(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'eventrail-sink'`,
        );
        terminated += rows[0].n;
      }
    })();
    for (let i = 0; i < 20_000; i++) {
      await logger.logEvent({ type: 'CHAOS', userId: 'u', payload: { i } });
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await killer;
    await admin.end();
    const summary = await logger.close();
    expect(terminated).toBeGreaterThan(0);
    expect(retries).toBeGreaterThan(0);
    expect(summary.sinks.postgres).toEqual({
      received: 20_000,
      written: 20_000,
      fallback: 0,
      dropped: 0,
    });
    expect(await count(`event_type = 'CHAOS'`)).toEqual({ rows: 20_000, distinct: 20_000 });
  });

  it('puts a row Postgres refuses in the fallback, and its batch-mates in the table', async () => {
    await db.pool.query(
      `ALTER TABLE eventrail.event_logs ADD CONSTRAINT host_rule CHECK (payload->>'forbidden' IS NULL)`,
    );
    try {
      const fallback = new MemorySink({ name: 'fallback' });
      const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool })], fallback });
      const errors: unknown[] = [];
      logger.on('error', (e) => errors.push(e));
      for (let i = 0; i < 100; i++) {
        await logger.logEvent({
          type: 'MIXED',
          userId: 'u',
          payload: i === 37 ? { i, forbidden: true } : { i },
        });
      }
      const summary = await logger.close();
      expect(summary.sinks.postgres).toEqual({
        received: 100,
        written: 99,
        fallback: 1,
        dropped: 0,
      });
      expect(fallback.events.map((e) => e.payload.i)).toEqual([37]);
      expect(fallback.lastFailure?.error).toMatchObject({ code: '23514' });
      expect(errors).toHaveLength(1);
      expect(await count(`event_type = 'MIXED'`)).toEqual({ rows: 99, distinct: 99 });
    } finally {
      await db.pool.query('ALTER TABLE eventrail.event_logs DROP CONSTRAINT host_rule');
    }
  });

  it('writes a retried batch once: the same ids twice make one row each', async () => {
    const sink = new PostgresSink({ db: pool });
    const memory = new MemorySink();
    const logger = new EventLogger({ sinks: [memory], fallback: null });
    await logger.logEvents(
      Array.from({ length: 10 }, (_, i) => ({ type: 'TWICE', userId: 'u', payload: { i } })),
    );
    await logger.close();
    await sink.write(memory.events);
    await sink.write(memory.events);
    expect(await count(`event_type = 'TWICE'`)).toEqual({ rows: 10, distinct: 10 });
  });

  it('writes a retried batch once when its rows span partitions: created_at travels with each event', async () => {
    const sink = new PostgresSink({ db: pool });
    const memory = new MemorySink();
    const logger = new EventLogger({ sinks: [memory], fallback: null });
    await logger.logEvents(
      Array.from({ length: 9 }, (_, i) => ({ type: 'SPREAD', userId: 'u', payload: { i } })),
    );
    await logger.close();
    // Today's partition, tomorrow's, and the default partition (a year back), three rows each.
    const day = 86_400_000;
    const spread = memory.events.map((e, i) => ({
      ...e,
      createdAt: new Date(e.createdAt.getTime() + [0, day, -365 * day][i % 3]!),
    }));
    await sink.write(spread);
    await sink.write(spread);
    expect(await count(`event_type = 'SPREAD'`)).toEqual({ rows: 9, distinct: 9 });
    const { rows } = await pool.query(
      `SELECT count(DISTINCT tableoid)::int AS n FROM eventrail.event_logs WHERE event_type = 'SPREAD'`,
    );
    expect(rows[0].n).toBe(3);
  });

  it('sends a missing table to the fallback at once, without retrying', async () => {
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({
      sinks: [new PostgresSink({ db: pool, schema: 'not_migrated' })],
      fallback,
    });
    await logger.logEvent({ type: 'X', userId: 'u' });
    await logger.close();
    expect(fallback.events).toHaveLength(1);
    expect(logger.metrics().sinks.postgres).toMatchObject({ retries: 0, errors: 1, fallback: 1 });
  });

  it('works with a drizzle database and a single pg Client', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const logger = new EventLogger({
        sinks: [
          new PostgresSink({ db: drizzle(pool), name: 'drizzle' }),
          new PostgresSink({ db: client, name: 'client' }),
        ],
        fallback: null,
      });
      for (let i = 0; i < 250; i++)
        await logger.logEvent({ type: 'VIA', userId: 'u', payload: { i } });
      const summary = await logger.close();
      expect(summary.sinks.drizzle?.written).toBe(250);
      expect(summary.sinks.client?.written).toBe(250);
      // Both sinks wrote the same ids: the second write of each row was skipped.
      expect(await count(`event_type = 'VIA'`)).toEqual({ rows: 250, distinct: 250 });
    } finally {
      await client.end();
    }
  });

  it('refuses what is not a database, naming the option', () => {
    expect(() => new PostgresSink({ db: {} as never })).toThrow(/options\.db/);
  });
});
