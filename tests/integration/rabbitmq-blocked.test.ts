/**
 * A broker under a memory or disk alarm blocks its publishers' connections. Raising a real alarm
 * would block every user of the shared test broker, so the alarm is announced the way amqplib
 * announces it (a `blocked` event on the connection, then `unblocked`), on a real connection
 * that otherwise publishes for real.
 */
import amqplib from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import type { AmqpConnection } from '../../src/rabbitmq/index.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const mq = useRabbitMQ();

describe('a connection the broker blocks', () => {
  let connection: AmqpConnection;
  beforeAll(async () => {
    connection = await amqplib.connect(mq.url, {
      clientProperties: { connection_name: mq.name('host-connection') },
      recovery: { initialDelay: 50 },
    });
  });
  afterAll(async () => {
    await connection.close();
  });

  function setup() {
    const { sink, queue } = mq.sink({ connection, blockedTimeoutMs: 300 });
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [sink], fallback, retry: { retries: 2 } });
    const log = (n: number) =>
      logger.logEvents(
        Array.from({ length: n }, (_, i) => ({ type: 'T', userId: 'u', payload: { i } })),
      );
    return { queue, sink, fallback, logger, log };
  }

  it('is a state and a metric; writes wait for unblocked and then go through', async () => {
    const { queue, sink, fallback, logger, log } = setup();
    await log(10);
    await logger.flush();
    expect(sink.state).toBe('connected');

    connection.emit('blocked', 'low on memory');
    expect(sink.state).toBe('blocked');
    await log(10);
    await new Promise((r) => setTimeout(r, 150));
    expect(sink.metrics().published).toBe(10);
    connection.emit('unblocked');
    const summary = await logger.close();

    expect(summary.sinks[sink.name]).toMatchObject({ written: 20, fallback: 0 });
    expect(fallback.events).toHaveLength(0);
    expect(sink.metrics()).toMatchObject({ blocked: 1, published: 20 });
    expect(sink.metrics().blockedMs).toBeGreaterThanOrEqual(100);
    expect(await mq.collect(queue, 20)).toHaveLength(20);
  });

  it('fails writes as transient after blockedTimeoutMs, publishing nothing, and closes while blocked', async () => {
    const { sink, fallback, logger, log } = setup();
    await log(1);
    await logger.flush();
    connection.emit('blocked', 'disk alarm');
    let retries = 0;
    logger.on('retry', () => {
      retries += 1;
    });
    await log(10);
    await logger.flush();
    expect(retries).toBe(2);
    expect(fallback.events).toHaveLength(10);
    expect(String(fallback.lastFailure?.error)).toMatch(/blocked the connection for 300 ms/);
    expect(sink.metrics()).toMatchObject({ state: 'blocked', published: 1 });
    const summary = await logger.close();
    expect(summary).toMatchObject({ timedOut: false });
    connection.emit('unblocked');
  });
});
