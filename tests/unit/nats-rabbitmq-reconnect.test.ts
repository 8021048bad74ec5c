/**
 * Both broker sinks wait between connection attempts as the core's `backoffDelay` says, and give
 * up after `reconnect.retries`: against a port where nothing listens (every attempt is refused
 * at once), counting the calls of `backoffDelay`.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type NatsError, NatsSink } from '../../src/nats/index.js';
import { type RabbitMQError, RabbitMQSink } from '../../src/rabbitmq/index.js';
import { backoffDelay } from '../../src/retry/backoff.js';
import { pause, records } from '../helpers/brokers.js';
import { freePort } from '../helpers/nats.js';

vi.mock('../../src/retry/backoff.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/retry/backoff.js')>();
  return { ...original, backoffDelay: vi.fn(original.backoffDelay) };
});

const reconnect = {
  retries: 2,
  minDelayMs: 40,
  maxDelayMs: 1000,
  factor: 2,
  jitter: 'none',
} as const;
const batch = records(1);
const signal = new AbortController().signal;

/** The failures `backoffDelay` was asked about, and with which backoff. */
function delaysAsked(): [number, unknown][] {
  return vi.mocked(backoffDelay).mock.calls.map(([failures, backoff]) => [failures, backoff]);
}

afterEach(() => {
  vi.mocked(backoffDelay).mockClear();
});

describe('the reconnect backoff, attempt by attempt', () => {
  it('RabbitMQSink: amqplib waits backoffDelay(1), backoffDelay(2), then the sink gives up', async () => {
    const url = `amqp://guest:guest@127.0.0.1:${await freePort()}`;
    const sink = new RabbitMQSink({ url, exchange: 'x', reconnect });
    const errors: RabbitMQError[] = [];
    const at: number[] = [];
    sink.on('error', (error) => {
      errors.push(error);
      at.push(performance.now());
    });
    await expect(sink.write(batch, { signal })).rejects.toMatchObject({
      code: 'RABBITMQ_UNAVAILABLE',
    });
    while (sink.state !== 'closed') await pause(5);

    expect(errors.map((e) => e.code)).toEqual([
      'RABBITMQ_UNAVAILABLE',
      'RABBITMQ_UNAVAILABLE',
      'RABBITMQ_UNAVAILABLE',
      'RABBITMQ_CLOSED',
    ]);
    expect(errors[0]?.cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(delaysAsked()).toEqual([
      [1, expect.objectContaining({ minDelayMs: 40 })],
      [2, expect.objectContaining({ minDelayMs: 40 })],
    ]);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(35);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(75);
    expect(sink.metrics().connectFailures).toBe(3);
    await expect(sink.write(batch, { signal })).rejects.toMatchObject({ code: 'RABBITMQ_CLOSED' });
    expect(await sink.close()).toEqual({ timedOut: false, unconfirmed: 0 });
  });

  it('NatsSink: writes open the connection no sooner than backoffDelay after a failure; gives up after the retries', async () => {
    const sink = new NatsSink({
      servers: `nats://127.0.0.1:${await freePort()}`,
      stream: { name: 'S' },
      reconnect,
    });
    const errors: NatsError[] = [];
    sink.on('error', (error) => errors.push(error));
    const write = () => sink.write(batch, { signal }).catch((e: unknown) => e);

    expect(await write()).toMatchObject({ code: 'NATS_UNAVAILABLE' });
    // Asked by the sink for its next opening, and by the client for its (unused) reconnects.
    expect(delaysAsked()).toContainEqual([1, expect.objectContaining({ minDelayMs: 40 })]);
    expect(delaysAsked().every(([failures]) => failures === 1)).toBe(true);
    // Within the delay, a write fails at once without an attempt.
    expect(String(await write())).toMatch(/waiting to try again/);
    expect(sink.metrics().connectFailures).toBe(1);
    await pause(45);
    expect(await write()).toMatchObject({ code: 'NATS_UNAVAILABLE' });
    expect(delaysAsked().at(-1)?.[0]).toBe(2);
    await pause(40);
    expect(String(await write())).toMatch(/waiting to try again/);
    await pause(45);
    await write();
    expect(sink.state).toBe('closed');
    expect(sink.metrics().connectFailures).toBe(3);
    expect(errors.map((e) => e.code)).toEqual([
      'NATS_UNAVAILABLE',
      'NATS_UNAVAILABLE',
      'NATS_CLOSED',
    ]);
    expect(await write()).toMatchObject({ code: 'NATS_CLOSED' });
    expect(await sink.close()).toEqual({ timedOut: false, unconfirmed: 0 });
  });
});
