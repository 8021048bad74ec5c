import { describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const mq = useRabbitMQ();
const EVENTS = 5000;

describe('RabbitMQSink when the broker closes its channel (the exchange was deleted)', () => {
  it('opens a new channel on the same connection, declares the topology again, loses nothing', async () => {
    const { sink, queue, exchange } = mq.sink();
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [sink], fallback });
    let retries = 0;
    logger.on('retry', () => {
      retries += 1;
    });
    const log = async (from: number, to: number) => {
      for (let i = from; i < to; i++)
        await logger.logEvent({ type: 'T', userId: 'u', payload: { i } });
    };
    await log(0, 1000);
    await logger.flush();
    // Publishing to a missing exchange makes the broker close the channel (404 NOT_FOUND).
    await mq.channel.deleteExchange(exchange);
    await log(1000, EVENTS);
    const summary = await logger.close();

    expect(retries).toBeGreaterThan(0);
    expect(sink.metrics().unconfirmed).toBeGreaterThan(0);
    expect(summary.sinks[sink.name]).toEqual({
      received: EVENTS,
      written: EVENTS,
      fallback: 0,
      dropped: 0,
    });
    expect(sink.metrics()).toMatchObject({ connects: 1, disconnects: 0 });
    const messages = await mq.collectEvents(queue, EVENTS);
    const arrived = new Set(messages.map((m) => JSON.parse(String(m.content)).payload.i));
    expect(arrived.size).toBe(EVENTS);
  });
});
