import { describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const mq = useRabbitMQ();

describe('messages the broker nacks', () => {
  it('are retried as transient and then handed over alone; the others are written', async () => {
    // A full queue with overflow reject-publish makes the broker nack what does not fit.
    const queue = mq.name('q');
    const { sink } = mq.sink({
      queues: [{ queue, options: { maxLength: 6, overflow: 'reject-publish' } }],
    });
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [sink], fallback });
    let retries = 0;
    logger.on('retry', () => {
      retries += 1;
    });
    await logger.logEvents(
      Array.from({ length: 10 }, (_, i) => ({ type: 'T', userId: 'u', payload: { i } })),
    );
    const summary = await logger.close();

    expect(summary.sinks[sink.name]).toEqual({ received: 10, written: 6, fallback: 4, dropped: 0 });
    expect(fallback.events.map((e) => e.payload.i)).toEqual([6, 7, 8, 9]);
    expect(fallback.lastFailure?.error).toMatchObject({ code: 'RABBITMQ_NACKED' });
    expect(retries).toBe(3);
    // The first attempt took 6 and nacked 4; each of the 3 retries nacked the same 4 again.
    expect(sink.metrics()).toMatchObject({ published: 22, confirmed: 6, nacked: 16 });
    expect((await mq.channel.checkQueue(queue)).messageCount).toBe(6);
  });
});
