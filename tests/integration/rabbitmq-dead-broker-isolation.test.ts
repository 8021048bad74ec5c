import { createServer } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { EventLogger, type EventrailError, MemorySink, SinkWriteError } from '../../src/index.js';
import { PostgresSink } from '../../src/postgres/index.js';
import { RabbitMQError, RabbitMQSink } from '../../src/rabbitmq/index.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();
const EVENTS = 5000;

/** A local port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a dead broker next to Postgres', () => {
  it('costs Postgres nothing: every event is stored, the RabbitMQ failures are counted and reported', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    const rabbit = new RabbitMQSink({
      url: `amqp://guest:guest@127.0.0.1:${await deadPort()}`,
      exchange: 'eventrail-never-declared',
    });
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool }), rabbit], fallback });
    const errors: EventrailError[] = [];
    logger.on('error', (error) => errors.push(error));

    for (let i = 0; i < EVENTS; i++) {
      await logger.logEvent({ type: 'ISOLATED', userId: 'u', payload: { i } });
    }
    const started = performance.now();
    const summary = await logger.close({ timeoutMs: 5000 });
    const closeMs = performance.now() - started;
    await pool.end();

    const { rows } = await db.pool.query(
      `SELECT count(DISTINCT id)::int AS n FROM eventrail.event_logs WHERE event_type = 'ISOLATED'`,
    );
    expect(rows[0].n).toBe(EVENTS);
    expect(summary.timedOut).toBe(false);
    expect(closeMs).toBeLessThan(5000);
    expect(summary.sinks).toEqual({
      postgres: { received: EVENTS, written: EVENTS, fallback: 0, dropped: 0 },
      rabbitmq: { received: EVENTS, written: 0, fallback: EVENTS, dropped: 0 },
    });
    expect(fallback.events).toHaveLength(EVENTS);
    expect(fallback.lastFailure?.sink).toBe('rabbitmq');
    // Every failed batch was reported as an error event naming the sink and the broker's state.
    expect(errors.length).toBe(logger.metrics().sinks.rabbitmq?.errors);
    expect(errors.length).toBeGreaterThan(0);
    for (const error of errors) {
      expect(error).toBeInstanceOf(SinkWriteError);
      expect(error).toMatchObject({ sink: 'rabbitmq' });
      expect(error.cause).toBeInstanceOf(RabbitMQError);
      expect(error.cause).toMatchObject({ code: 'RABBITMQ_UNAVAILABLE' });
    }
    expect(logger.metrics().sinks.postgres).toMatchObject({ errors: 0, retries: 0 });
    expect(rabbit.metrics()).toMatchObject({ state: 'closed', connects: 0, published: 0 });
    expect(rabbit.metrics().connectFailures).toBeGreaterThan(0);
  });
});
