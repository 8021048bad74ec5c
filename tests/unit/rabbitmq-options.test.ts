import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import {
  classifyRabbitMQError,
  DEFAULT_RABBITMQ_SINK_OPTIONS,
  RabbitMQError,
  RabbitMQSink,
  type RabbitMQSinkOptions,
} from '../../src/rabbitmq/index.js';

const base = { url: 'amqp://guest:guest@127.0.0.1:5672', exchange: 'events' };

const bad: [string, unknown, string][] = [
  ['no options', undefined, 'options'],
  ['neither url nor connection', { exchange: 'x' }, 'options.url'],
  [
    'both url and connection',
    { ...base, connection: { createConfirmChannel() {} } },
    'options.url',
  ],
  ['an http URL', { ...base, url: 'http://localhost' }, 'options.url'],
  ['a connection that is not one', { exchange: 'x', connection: {} }, 'options.connection'],
  ['no exchange', { url: base.url }, 'options.exchange'],
  ['an empty exchange type', { ...base, exchangeType: '' }, 'options.exchangeType'],
  ['an empty name', { ...base, name: '' }, 'options.name'],
  ['a routing key that is not a function', { ...base, routingKey: 'k' }, 'options.routingKey'],
  ['a priority that is not a function', { ...base, priority: 5 }, 'options.priority'],
  ['a prefix that is not a string', { ...base, routingKeyPrefix: 1 }, 'options.routingKeyPrefix'],
  ['queues that are not an array', { ...base, queues: 'q' }, 'options.queues'],
  ['a queue without a name', { ...base, queues: [{}] }, 'options.queues[0].queue'],
  [
    'binding keys that are not strings',
    { ...base, queues: [{ queue: 'q', bindingKeys: [1] }] },
    'options.queues[0].bindingKeys',
  ],
  [
    'a negative reconnect delay',
    { ...base, reconnect: { minDelayMs: -1 } },
    'options.reconnect.minDelayMs',
  ],
  [
    'a cap below the first delay',
    { ...base, reconnect: { minDelayMs: 500, maxDelayMs: 100 } },
    'options.reconnect.maxDelayMs',
  ],
  [
    'a reconnect factor below 1',
    { ...base, reconnect: { factor: 0.5 } },
    'options.reconnect.factor',
  ],
  ['connectTimeoutMs 0', { ...base, connectTimeoutMs: 0 }, 'options.connectTimeoutMs'],
  ['confirmTimeoutMs NaN', { ...base, confirmTimeoutMs: Number.NaN }, 'options.confirmTimeoutMs'],
  ['a negative blockedTimeoutMs', { ...base, blockedTimeoutMs: -1 }, 'options.blockedTimeoutMs'],
];

describe('RabbitMQSink options', () => {
  it.each(bad)('refuses %s at construction, naming the option', (_name, options, field) => {
    let caught: unknown;
    try {
      new RabbitMQSink(options as RabbitMQSinkOptions);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect(caught).toMatchObject({ field });
  });

  it('refuses a misspelt option of a queue binding, naming the closest', () => {
    const make = () =>
      new RabbitMQSink({ ...base, queues: [{ queue: 'q', bindingKey: ['a.#'] }] } as never);
    expect(make).toThrow(
      expect.objectContaining({
        field: 'options.queues[0].bindingKey',
        code: 'VALIDATION_UNKNOWN',
        message: expect.stringMatching(/did you mean 'bindingKeys'\?/),
      }),
    );
  });

  it('opens nothing at construction: the first write connects', () => {
    const sink = new RabbitMQSink(base);
    expect(sink.name).toBe(DEFAULT_RABBITMQ_SINK_OPTIONS.name);
    expect(sink.metrics()).toEqual({
      state: 'idle',
      published: 0,
      confirmed: 0,
      nacked: 0,
      returned: 0,
      unconfirmed: 0,
      connects: 0,
      connectFailures: 0,
      disconnects: 0,
      blocked: 0,
      blockedMs: 0,
    });
  });
});

describe('classifyRabbitMQError', () => {
  it.each([
    ['RABBITMQ_UNAVAILABLE', 'transient'],
    ['RABBITMQ_CONNECTION_LOST', 'transient'],
    ['RABBITMQ_BLOCKED', 'transient'],
    ['RABBITMQ_CONFIRM_TIMEOUT', 'transient'],
    ['RABBITMQ_NACKED', 'transient'],
    ['RABBITMQ_UNROUTABLE', 'permanent'],
    ['RABBITMQ_BAD_MESSAGE', 'permanent'],
    ['RABBITMQ_CLOSED', 'permanent'],
  ] as const)('%s is %s', (code, kind) => {
    expect(classifyRabbitMQError(new RabbitMQError(code, 'x'))).toBe(kind);
  });

  it('reads AMQP reply codes and socket errors', () => {
    const withCode = (code: number | string) => Object.assign(new Error('x'), { code });
    expect(classifyRabbitMQError(withCode(320))).toBe('transient');
    expect(classifyRabbitMQError(withCode(541))).toBe('transient');
    expect(classifyRabbitMQError(withCode(403))).toBe('permanent');
    expect(classifyRabbitMQError(withCode(406))).toBe('permanent');
    expect(classifyRabbitMQError(withCode('ECONNREFUSED'))).toBe('transient');
    expect(classifyRabbitMQError(new Error('something else'))).toBe('permanent');
  });
});
