import { describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { RabbitMQSink, type RabbitMQSinkOptions } from '../../src/rabbitmq/index.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const mq = useRabbitMQ();

async function logThrough(options: Omit<RabbitMQSinkOptions, 'url' | 'name'>, events = 3) {
  const sink = new RabbitMQSink({ url: mq.url, name: mq.name('sink'), ...options });
  const fallback = new MemorySink({ name: 'fallback' });
  const logger = new EventLogger({ sinks: [sink], fallback });
  let retries = 0;
  logger.on('retry', () => {
    retries += 1;
  });
  await logger.logEvents(
    Array.from({ length: events }, (_, i) => ({ type: 'T', userId: 'u', payload: { i } })),
  );
  const summary = await logger.close();
  return { sink, fallback, retries, summary: summary.sinks[sink.name] };
}

describe('RabbitMQSink topology', () => {
  it('declares a durable exchange and bound queues, idempotently for every sink that shares them', async () => {
    const exchange = mq.name('x');
    const queue = mq.name('q');
    const options = {
      exchange,
      exchangeType: 'direct',
      queues: [{ queue, bindingKeys: ['a', 'eventrail.T'], options: { maxPriority: 9 } }],
    };
    expect((await logThrough(options)).summary).toMatchObject({ written: 3 });
    expect((await logThrough(options)).summary).toMatchObject({ written: 3 });
    expect((await mq.channel.checkQueue(queue)).messageCount).toBe(6);
    // Exchange declared durable and direct: a passive check passes, a topic redeclaration would not.
    await expect(mq.channel.checkExchange(exchange)).resolves.toBeDefined();
  });

  it('sends events to the fallback at once when the exchange exists with another type (406)', async () => {
    const exchange = mq.name('x');
    await mq.channel.assertExchange(exchange, 'fanout', { durable: true });
    const { fallback, retries, summary, sink } = await logThrough({
      exchange,
      exchangeType: 'topic',
    });
    expect(summary).toMatchObject({ written: 0, fallback: 3 });
    expect(retries).toBe(0);
    expect(fallback.lastFailure?.error).toMatchObject({ code: 406 });
    expect(sink.metrics()).toMatchObject({ connects: 1, disconnects: 0 });
  });

  it('declares nothing with assertTopology false: a missing exchange closes the channel (404), retried then handed over', async () => {
    const { fallback, retries, summary } = await logThrough({
      exchange: mq.name('x'),
      assertTopology: false,
    });
    expect(summary).toMatchObject({ written: 0, fallback: 3 });
    expect(retries).toBe(3);
    expect(fallback.lastFailure?.error).toMatchObject({ code: 'RABBITMQ_CONNECTION_LOST' });
    expect(String(fallback.lastFailure?.error)).toMatch(/404 \(NOT-FOUND\)/);
  });
});
