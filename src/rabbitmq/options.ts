import type { ChannelModel, Options, RecoveringChannelModel, SocketOptions } from 'amqplib';
import { ValidationError } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import type { LifecycleLog } from '../lifecycle/log.js';
import { numberOption, reconnectOption, textOption } from '../options/validate.js';

/** A connection the host opened: plain (`amqplib.connect(url)`) or recovering (`{ recovery }`). */
export type AmqpConnection = ChannelModel | RecoveringChannelModel;

/** A queue the sink declares and binds to its exchange, for set-ups without their own topology. */
export interface QueueBinding {
  /** Queue name. */
  readonly queue: string;
  /** Binding keys (patterns on a topic exchange). @default ['#'] (everything, on a topic exchange) */
  readonly bindingKeys?: readonly string[];
  /**
   * Queue arguments as amqplib takes them, e.g. `{ maxPriority: 10 }` for a priority queue.
   * @default { durable: true }
   */
  readonly options?: Options.AssertQueue;
}

/** Reconnection of the sink's own connection (amqplib's recovery: exponential, ±20% jitter). */
export interface ReconnectOptions {
  /** Delay before the first reconnection attempt, in milliseconds. @default 100 */
  readonly minDelayMs?: number;
  /** Upper bound of one delay, in milliseconds; delays never exceed it. @default 10000 */
  readonly maxDelayMs?: number;
  /** Growth of the delay from one attempt to the next. @default 2 */
  readonly factor?: number;
}

/** Options of {@link RabbitMQSink}. Give `url` or `connection`, and `exchange`. */
export interface RabbitMQSinkOptions {
  /**
   * `amqp://` or `amqps://` URL of the broker. The sink opens its own connection on the first
   * write, reconnects it when it is lost, and closes it on `close()`.
   */
  readonly url?: string;
  /**
   * A connection the host already has. Never closed by the sink. A recovering connection
   * (`amqplib.connect(url, { recovery: {...} })`) is followed through its reconnects; after a
   * plain one closes, the sink cannot reopen it and reports `closed`.
   */
  readonly connection?: AmqpConnection;
  /**
   * Socket options of the sink's own connection (TLS, credentials, keepAlive, ...).
   * `clientProperties.connection_name` is `eventrail/<name>` unless given here.
   * @default {}
   */
  readonly socketOptions?: SocketOptions;
  /** Exchange the events are published to. Required. */
  readonly exchange: string;
  /** Type of the exchange, when the sink declares it. @default 'topic' */
  readonly exchangeType?: string;
  /**
   * Declare the exchange (durable) and the `queues` whenever a channel opens. `false` declares
   * nothing: the exchange must exist (for a user without configure permission).
   * @default true
   */
  readonly assertTopology?: boolean;
  /** Queues to declare and bind to the exchange. @default [] */
  readonly queues?: readonly QueueBinding[];
  /** First part of the default routing key. @default 'eventrail' */
  readonly routingKeyPrefix?: string;
  /**
   * Routing key of an event that has no `routingKey` of its own (the event's always wins).
   * At most 255 bytes.
   * @default (event) => `${routingKeyPrefix}.${event.type}`
   */
  readonly routingKey?: (event: EventRecord) => string;
  /**
   * Priority (an integer 0–255) of an event that has no `priority` of its own (the event's always
   * wins); `null` or `undefined` sends none. Consumers see it on queues with `maxPriority`.
   * @default no priority
   */
  readonly priority?: (event: EventRecord) => number | null | undefined;
  /**
   * Publish as mandatory: a message no queue is bound to receive comes back from the broker and
   * fails (`RABBITMQ_UNROUTABLE`, handed to the fallback) instead of vanishing. @default true
   */
  readonly mandatory?: boolean;
  /** Sink name in metrics and summaries; also in the connection name. @default 'rabbitmq' */
  readonly name?: string;
  /** Reconnection of the sink's own connection. @default { minDelayMs: 100, maxDelayMs: 10000, factor: 2 } */
  readonly reconnect?: ReconnectOptions;
  /**
   * How long a write waits for a connection being opened or re-opened (also the socket connect
   * timeout). A write never waits while the last attempt failed: it fails at once. @default 3000
   */
  readonly connectTimeoutMs?: number;
  /** How long a write waits for the broker's confirms before failing them. @default 5000 */
  readonly confirmTimeoutMs?: number;
  /** How long a write waits while the broker blocks the connection (alarms). @default 1000 */
  readonly blockedTimeoutMs?: number;
  /**
   * Lifecycle messages (connected, blocked, reconnecting, closed), e.g. a pino logger.
   * @default none (silent)
   */
  readonly log?: LifecycleLog;
}

/** @internal */
export interface ResolvedRabbitMQSinkOptions {
  readonly name: string;
  readonly exchange: string;
  readonly exchangeType: string;
  readonly assertTopology: boolean;
  readonly queues: readonly QueueBinding[];
  readonly routingKey: (event: EventRecord) => string;
  readonly priority: ((event: EventRecord) => number | null | undefined) | undefined;
  readonly mandatory: boolean;
  readonly reconnect: Required<ReconnectOptions>;
  readonly connectTimeoutMs: number;
  readonly confirmTimeoutMs: number;
  readonly blockedTimeoutMs: number;
}

/** The defaults of {@link RabbitMQSinkOptions}. */
export const DEFAULT_RABBITMQ_SINK_OPTIONS = Object.freeze({
  name: 'rabbitmq',
  exchangeType: 'topic',
  assertTopology: true,
  routingKeyPrefix: 'eventrail',
  mandatory: true,
  reconnect: Object.freeze({ minDelayMs: 100, maxDelayMs: 10_000, factor: 2 }),
  connectTimeoutMs: 3000,
  confirmTimeoutMs: 5000,
  blockedTimeoutMs: 1000,
});

const D = DEFAULT_RABBITMQ_SINK_OPTIONS;

/** Validates the options once, at construction. @internal */
export function resolveRabbitMQSinkOptions(
  options: RabbitMQSinkOptions,
): ResolvedRabbitMQSinkOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('options', 'VALIDATION_REQUIRED', 'are required');
  }
  checkSource(options);
  const exchange = textOption(options.exchange, 'exchange');
  const prefix = options.routingKeyPrefix ?? D.routingKeyPrefix;
  if (typeof prefix !== 'string') {
    throw new ValidationError('options.routingKeyPrefix', 'VALIDATION_TYPE', 'must be a string');
  }
  return {
    name: textOption(options.name ?? D.name, 'name'),
    exchange,
    exchangeType: textOption(options.exchangeType ?? D.exchangeType, 'exchangeType'),
    assertTopology: options.assertTopology ?? D.assertTopology,
    queues: queues(options.queues ?? []),
    routingKey: fn(options.routingKey, 'routingKey') ?? ((e) => `${prefix}.${e.type}`),
    priority: fn(options.priority, 'priority'),
    mandatory: options.mandatory ?? D.mandatory,
    reconnect: reconnectOption(options.reconnect, D.reconnect),
    connectTimeoutMs: numberOption(
      options.connectTimeoutMs,
      'connectTimeoutMs',
      D.connectTimeoutMs,
      { min: 1 },
    ),
    confirmTimeoutMs: numberOption(
      options.confirmTimeoutMs,
      'confirmTimeoutMs',
      D.confirmTimeoutMs,
      { min: 1 },
    ),
    blockedTimeoutMs: numberOption(
      options.blockedTimeoutMs,
      'blockedTimeoutMs',
      D.blockedTimeoutMs,
      { min: 0 },
    ),
  };
}

function checkSource(options: RabbitMQSinkOptions): void {
  const { url, connection } = options;
  if ((url === undefined) === (connection === undefined)) {
    throw new ValidationError(
      'options.url',
      'VALIDATION_REQUIRED',
      'give either url or connection',
    );
  }
  if (url !== undefined && (typeof url !== 'string' || !/^amqps?:\/\//i.test(url))) {
    throw new ValidationError(
      'options.url',
      'VALIDATION_RANGE',
      'must be an amqp:// or amqps:// URL',
    );
  }
  if (
    connection !== undefined &&
    typeof (connection as { createConfirmChannel?: unknown }).createConfirmChannel !== 'function'
  ) {
    throw new ValidationError(
      'options.connection',
      'VALIDATION_TYPE',
      'must be an amqplib connection (the result of amqplib.connect)',
    );
  }
}

function fn<T>(value: T | undefined, name: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new ValidationError(`options.${name}`, 'VALIDATION_TYPE', 'must be a function');
  }
  return value;
}

function queues(list: readonly QueueBinding[]): readonly QueueBinding[] {
  if (!Array.isArray(list)) {
    throw new ValidationError('options.queues', 'VALIDATION_TYPE', 'must be an array');
  }
  list.forEach((binding, i) => {
    textOption(binding?.queue, `queues[${i}].queue`);
    const keys = binding.bindingKeys;
    if (keys !== undefined && (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string'))) {
      throw new ValidationError(
        `options.queues[${i}].bindingKeys`,
        'VALIDATION_TYPE',
        'must be an array of strings',
      );
    }
  });
  return list;
}
