import { describe, expect, it } from 'vitest';
import { EventLogger, type EventrailError, MemorySink } from '../../src/index.js';
import { RabbitMQSink } from '../../src/rabbitmq/index.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const mq = useRabbitMQ();

function setup(mandatory?: boolean) {
  const queue = mq.name('q');
  const sink = new RabbitMQSink({
    url: mq.url,
    name: mq.name('sink'),
    exchange: mq.name('x'),
    queues: [{ queue, bindingKeys: ['cns.#'] }],
    ...(mandatory === undefined ? {} : { mandatory }),
  });
  const fallback = new MemorySink({ name: 'fallback' });
  const logger = new EventLogger({ sinks: [sink], fallback, flushSize: 100 });
  const errors: EventrailError[] = [];
  logger.on('error', (error) => errors.push(error));
  let retries = 0;
  logger.on('retry', () => {
    retries += 1;
  });
  /** 100 events in one batch; every tenth has a routing key no queue is bound to. */
  const log = () =>
    logger.logEvents(
      Array.from({ length: 100 }, (_, i) => ({
        type: 'T',
        userId: 'u',
        routingKey: i % 10 === 3 ? 'nobody.listens' : 'cns.t',
        payload: { i },
      })),
    );
  return { queue, sink, fallback, logger, errors, log, retries: () => retries };
}

describe('an unroutable message published as mandatory', () => {
  it('fails alone and goes to the fallback with the error; its batch-mates are delivered', async () => {
    const { queue, sink, fallback, logger, errors, log, retries } = setup();
    await log();
    const summary = await logger.close();

    expect(summary.sinks[sink.name]).toEqual({
      received: 100,
      written: 90,
      fallback: 10,
      dropped: 0,
    });
    expect(fallback.events.map((e) => e.payload.i)).toEqual([
      3, 13, 23, 33, 43, 53, 63, 73, 83, 93,
    ]);
    // The logger hands over the sink's PartialWriteError; its cause is the broker's return.
    expect(fallback.lastFailure?.error).toMatchObject({
      code: 'PARTIAL_WRITE',
      cause: { code: 'RABBITMQ_UNROUTABLE', routingKey: 'nobody.listens' },
    });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ cause: { cause: { code: 'RABBITMQ_UNROUTABLE' } } });
    // Permanent: not retried.
    expect(retries()).toBe(0);
    expect(sink.metrics()).toMatchObject({ published: 100, confirmed: 90, returned: 10 });
    const messages = await mq.collect(queue, 90);
    expect(messages.map((m) => m.fields.routingKey)).toEqual(Array(90).fill('cns.t'));
  });

  it('vanishes at the broker when mandatory is off (counted as confirmed, as the broker says)', async () => {
    const { sink, fallback, logger, log } = setup(false);
    await log();
    const summary = await logger.close();
    expect(summary.sinks[sink.name]?.written).toBe(100);
    expect(fallback.events).toHaveLength(0);
    expect(sink.metrics()).toMatchObject({ confirmed: 100, returned: 0 });
  });
});
