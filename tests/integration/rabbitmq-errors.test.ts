/**
 * RabbitMQSink's faults in the background arrive as `error` events carrying a RabbitMQError (the
 * driver's error as its cause), and in its `log`: a connection the broker closes, a channel the
 * broker closes (a deleted exchange).
 */
import { describe, expect, it } from 'vitest';
import { RabbitMQError } from '../../src/rabbitmq/index.js';
import { pause, records } from '../helpers/brokers.js';
import { recordingLog } from '../helpers/lifecycle-log.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const mq = useRabbitMQ();
const signal = new AbortController().signal;

describe('RabbitMQSink errors in the background', () => {
  it('reports a connection the broker closed, logs it, and reconnects', async () => {
    const { log, lines } = recordingLog();
    const { sink } = mq.sink({ reconnect: { minDelayMs: 20 }, log });
    const errors: unknown[] = [];
    sink.on('error', (error) => errors.push(error));
    await sink.write(records(1), { signal });

    expect(await mq.closeConnections(`eventrail/${sink.name}`)).toBe(1);
    for (let i = 0; i < 200 && errors.length === 0; i++) await pause(10);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RabbitMQError);
    expect(errors[0]).toMatchObject({
      code: 'RABBITMQ_CONNECTION_LOST',
      message: expect.stringMatching(/CONNECTION_FORCED/),
      cause: expect.objectContaining({ code: 320 }),
    });
    for (let i = 0; i < 200 && sink.state !== 'connected'; i++) await pause(10);
    await sink.write(records(1), { signal });
    expect(sink.metrics()).toMatchObject({ disconnects: 1, connects: 2, confirmed: 2 });
    expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual(
      expect.arrayContaining([
        'warn eventrail RabbitMQ sink reconnecting',
        'warn eventrail RabbitMQ sink error',
      ]),
    );
    expect(lines.find((l) => l.message.endsWith('error'))?.details).toMatchObject({
      sink: sink.name,
      err: expect.objectContaining({ code: 'RABBITMQ_CONNECTION_LOST' }),
    });
    expect(await sink.close()).toEqual({ timedOut: false, unconfirmed: 0 });
    expect(errors).toHaveLength(1);
  });

  it('reports a channel the broker closed: publishing to an exchange deleted meanwhile', async () => {
    const { sink, exchange } = mq.sink({ assertTopology: false });
    await mq.channel.assertExchange(exchange, 'topic', { durable: true });
    const errors: RabbitMQError[] = [];
    sink.on('error', (error) => errors.push(error));
    // Unroutable (nothing is bound, and the sink declares nothing), but the channel is open.
    await sink.write(records(1), { signal }).catch(() => undefined);
    await mq.channel.deleteExchange(exchange);

    const failed = await sink.write(records(1), { signal }).catch((e: unknown) => e);
    expect(failed).toMatchObject({ code: 'RABBITMQ_CONNECTION_LOST' });
    expect(errors.map((e) => e.code)).toEqual(['RABBITMQ_CONNECTION_LOST']);
    expect(errors[0]?.message).toMatch(/closed the channel.*404/);
    expect(errors[0]?.cause).toMatchObject({ code: 404 });
    await sink.close();
  });
});
