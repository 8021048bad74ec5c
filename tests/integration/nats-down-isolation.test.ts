import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { EventLogger, MemorySink, normalizeEvent, SinkWriteError } from '../../src/index.js';
import { NatsError, NatsSink } from '../../src/nats/index.js';
import { PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { startPrivateNatsServer } from '../helpers/nats.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const db = useTestDatabase();
const broker = useRabbitMQ();
const EVENTS = 3000;

describe('NATS down next to Postgres and RabbitMQ', () => {
  it('costs the other sinks nothing: Postgres and RabbitMQ get every event, NATS failures go to the fallback', async () => {
    const server = await startPrivateNatsServer();
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const nats = new NatsSink({ servers: server.url, stream: { name: 'DOWN', storage: 'memory' } });
    const { sink: rabbit, queue } = broker.sink();
    const fallback = new MemorySink({ name: 'fallback' });
    // Connected first, then NATS goes away for good: the sink is left reconnecting.
    await nats.write([normalizeEvent({ type: 'WARM', userId: 'u' }, { maxPayloadBytes: 1024 })], {
      signal: new AbortController().signal,
    });
    await server.dispose();
    for (let i = 0; i < 200 && nats.state !== 'reconnecting'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(nats.state).toBe('reconnecting');
    const logger = new EventLogger({
      sinks: [new PostgresSink({ db: pool }), rabbit, nats],
      fallback,
    });
    const errors: unknown[] = [];
    logger.on('error', (error) => errors.push(error));
    try {
      for (let i = 0; i < EVENTS; i++) {
        await logger.logEvent({ type: 'NATS_DOWN', userId: 'u', payload: { i } });
      }
      // Nothing waits on NATS: close() drains Postgres and RabbitMQ well within its deadline.
      const summary = await logger.close({ timeoutMs: 60_000 });

      const { rows } = await db.pool.query(
        `SELECT count(DISTINCT id)::int AS n FROM eventrail.event_logs WHERE event_type = 'NATS_DOWN'`,
      );
      expect(rows[0].n).toBe(EVENTS);
      expect((await broker.collectEvents(queue, EVENTS)).length).toBeGreaterThanOrEqual(EVENTS);
      expect(summary.timedOut).toBe(false);
      expect(summary.sinks.postgres).toEqual({
        received: EVENTS,
        written: EVENTS,
        fallback: 0,
        dropped: 0,
      });
      expect(summary.sinks[rabbit.name]).toEqual({
        received: EVENTS,
        written: EVENTS,
        fallback: 0,
        dropped: 0,
      });
      expect(summary.sinks.nats).toEqual({
        received: EVENTS,
        written: 0,
        fallback: EVENTS,
        dropped: 0,
      });
      expect(fallback.events).toHaveLength(EVENTS);
      expect(logger.metrics().sinks.postgres).toMatchObject({ errors: 0, retries: 0 });
      expect(logger.metrics().sinks[rabbit.name]).toMatchObject({ errors: 0, retries: 0 });
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(error).toBeInstanceOf(SinkWriteError);
        expect(error).toMatchObject({ sink: 'nats' });
        expect((error as SinkWriteError).cause).toBeInstanceOf(NatsError);
        expect((error as SinkWriteError).cause).toMatchObject({ code: 'NATS_UNAVAILABLE' });
      }
      expect(nats.metrics()).toMatchObject({ state: 'closed', published: 1, disconnects: 1 });
    } finally {
      await logger.close();
      await pool.end();
    }
  }, 60_000);
});
