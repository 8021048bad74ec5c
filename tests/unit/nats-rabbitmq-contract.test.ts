/**
 * The lifecycle contract of both broker sinks, where no broker is needed: options that refuse
 * typos, `close()` on a sink that never connected, `await using`, synchronous `metrics()`, and
 * the reconnect settings both drivers get from the one backoff.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { DEFAULT_NATS_SINK_OPTIONS, NatsSink } from '../../src/nats/index.js';
import { ReconnectPacing } from '../../src/nats/reconnect.js';
import { recoveryOptions } from '../../src/rabbitmq/connection.js';
import { DEFAULT_RABBITMQ_SINK_OPTIONS, RabbitMQSink } from '../../src/rabbitmq/index.js';
import { type Backoff, backoffDelay } from '../../src/retry/backoff.js';
import { refused } from '../helpers/refused.js';

const rabbitBase = { url: 'amqp://guest:guest@127.0.0.1:1', exchange: 'events' };
const natsBase = { servers: 'nats://127.0.0.1:1', stream: { name: 'EVENTS' } };

const sinks = [
  {
    kind: 'RabbitMQSink',
    make: (options: object = {}) => new RabbitMQSink({ ...rabbitBase, ...options }),
    construct: (options: unknown) => new RabbitMQSink(options as never),
  },
  {
    kind: 'NatsSink',
    make: (options: object = {}) => new NatsSink({ ...natsBase, ...options }),
    construct: (options: unknown) => new NatsSink(options as never),
  },
] as const;

describe.each(sinks)('$kind keeps the lifecycle contract', ({ make, construct }) => {
  it('refuses misspelt options, nested ones too, naming the closest', () => {
    const top = refused(() => make({ closeTimeoutMS: 100 }));
    expect(top).toMatchObject({ field: 'options.closeTimeoutMS', code: 'VALIDATION_UNKNOWN' });
    expect(top.message).toMatch(/did you mean 'closeTimeoutMs'\?/);
    const nested = refused(() => make({ reconnect: { minDelay: 5 } }));
    expect(nested).toMatchObject({ field: 'options.reconnect.minDelay' });
    expect(nested.message).toMatch(/did you mean 'minDelayMs'\?/);
  });

  it('refuses no options and options that are not an object', () => {
    expect(refused(() => construct(undefined))).toMatchObject({
      field: 'options',
      code: 'VALIDATION_REQUIRED',
    });
    expect(refused(() => construct('amqp://x'))).toMatchObject({
      field: 'options',
      code: 'VALIDATION_TYPE',
    });
    expect(refused(() => make({ log: { info() {} } })).field).toBe('options.log');
    expect(refused(() => make({ closeTimeoutMs: -1 })).field).toBe('options.closeTimeoutMs');
    expect(refused(() => make({ reconnect: { jitter: true } })).field).toBe(
      'options.reconnect.jitter',
    );
  });

  it('closes a sink that never connected at once; the same promise on every call', async () => {
    const sink = make();
    const closing = sink.close();
    expect(sink.close()).toBe(closing);
    expect(sink.close({ timeoutMs: 1 })).toBe(closing);
    expect(await closing).toEqual({ timedOut: false, unconfirmed: 0 });
    expect(sink.state).toBe('closed');
  });

  it('rejects bad close options at once and stays open', async () => {
    const sink = make();
    await expect(sink.close({ timeoutMs: -1 })).rejects.toBeInstanceOf(ValidationError);
    await expect(sink.close({ timeout: 5 } as never)).rejects.toMatchObject({
      code: 'VALIDATION_UNKNOWN',
    });
    expect(sink.state).toBe('idle');
    expect(await sink.close()).toMatchObject({ timedOut: false });
  });

  it('is closed by `await using`', async () => {
    let held: ReturnType<typeof make> | undefined;
    {
      await using sink = make();
      held = sink;
      expect(sink.state).toBe('idle');
    }
    expect(held.state).toBe('closed');
  });

  it('has a synchronous metrics() of plain numbers and a state', () => {
    const metrics = make().metrics() as unknown as Record<string, unknown>;
    expect(metrics).not.toBeInstanceOf(Promise);
    expect(metrics.state).toBe('idle');
    expect(Object.keys(metrics)).toEqual(
      expect.arrayContaining(['published', 'confirmed', 'connects', 'disconnects']),
    );
    for (const [key, value] of Object.entries(metrics)) {
      if (key !== 'state') expect([key, value]).toEqual([key, 0]);
    }
  });
});

describe('the reconnect backoff of both sinks', () => {
  const backoff: Backoff = {
    retries: 3,
    minDelayMs: 10,
    maxDelayMs: 50,
    factor: 2,
    jitter: 'none',
  };

  it('defaults to retrying for ever, 100 ms to 10 s, doubling, equal jitter', () => {
    const expected = {
      retries: Number.POSITIVE_INFINITY,
      minDelayMs: 100,
      maxDelayMs: 10_000,
      factor: 2,
      jitter: 'equal',
    };
    expect(DEFAULT_RABBITMQ_SINK_OPTIONS.reconnect).toEqual(expected);
    expect(DEFAULT_NATS_SINK_OPTIONS.reconnect).toEqual(expected);
  });

  it("gives amqplib's recovery the core's delays and the retries", () => {
    const recovery = recoveryOptions(backoff);
    expect([1, 2, 3, 4, 5].map((n) => recovery.calculateDelay?.(n))).toEqual([10, 20, 40, 50, 50]);
    expect(recovery.maxRetries).toBe(3);
    expect(recoveryOptions({ ...backoff, retries: Number.POSITIVE_INFINITY }).maxRetries).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it("paces the NATS client's dials: the same delay until the next dial, growing after each", () => {
    const pacing = new ReconnectPacing({ ...backoff, jitter: 'full' });
    const seen: number[] = [];
    // The client asks before each dial and again while it waits: twice per dial here.
    for (let dial = 0; dial < 5; dial++) {
      const asked = pacing.delay();
      expect(pacing.delay()).toBe(asked);
      seen.push(asked);
      pacing.dialing();
    }
    // The first dial (at once, after a loss) and the second follow the same delay; full jitter
    // keeps each below its ceiling: those of 1, 1, 2, 3 and 4 failed dials.
    expect(seen[1]).toBe(seen[0]);
    [10, 10, 20, 40, 50].forEach((ceiling, i) => {
      expect(seen[i]).toBeLessThanOrEqual(ceiling);
    });
    const exact = new ReconnectPacing(backoff);
    const delays = () =>
      [0, 1, 2, 3, 4].map(() => {
        const d = exact.delay();
        exact.dialing();
        return d;
      });
    expect(delays()).toEqual([10, 10, 20, 40, 50]);
    exact.reset();
    expect(delays()).toEqual([1, 1, 2, 3, 4].map((n) => backoffDelay(n, backoff)));
    expect(new ReconnectPacing(backoff).clientOptions()).toMatchObject({
      reconnect: true,
      maxReconnectAttempts: 3,
    });
    expect(
      new ReconnectPacing({ ...backoff, retries: Number.POSITIVE_INFINITY }).clientOptions(),
    ).toMatchObject({ reconnect: true, maxReconnectAttempts: -1 });
    expect(new ReconnectPacing({ ...backoff, retries: 0 }).clientOptions().reconnect).toBe(false);
  });
});
