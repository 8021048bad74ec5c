import type { ChannelModel, Options, RecoveringChannelModel, SocketOptions } from 'amqplib';
import { ValidationError } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import type { LifecycleLog } from '../lifecycle/log.js';
import { defineOptions } from '../options/schema.js';
import { boolean, custom, fn, integer, text } from '../options/spec.js';
import type { Backoff, BackoffOptions } from '../retry/backoff.js';
import {
  brokerSinkSpecs,
  driverConnectionSpec,
  driverOptionsSpec,
  oneConnectionRule,
} from '../sinks/broker-sink.js';

/** A connection the host opened: plain (`amqplib.connect(url)`) or recovering (`{ recovery }`). */
export type AmqpConnection = ChannelModel | RecoveringChannelModel;

/** A queue the sink declares and binds to its exchange, for set-ups without their own topology. */
export interface QueueBinding {
  /** Queue name. Required. */
  readonly queue: string;
  /** Binding keys (patterns on a topic exchange). @default ['#'] (everything, on a topic exchange) */
  readonly bindingKeys?: readonly string[];
  /**
   * Queue arguments as amqplib takes them, e.g. `{ maxPriority: 10 }` for a priority queue.
   * @default { durable: true }
   */
  readonly options?: Options.AssertQueue;
}

/** Options of {@link RabbitMQSink}. Give `url` or `connection`, and `exchange`. */
export interface RabbitMQSinkOptions {
  /**
   * `amqp://` or `amqps://` URL of the broker. The sink opens its own connection on the first
   * write, reconnects it when it is lost, and closes it on `close()`. Give this or `connection`.
   * @default none
   */
  readonly url?: string;
  /**
   * A connection the host already has. Never closed by the sink. A recovering connection
   * (`amqplib.connect(url, { recovery: {...} })`) is followed through its reconnects; after a
   * plain one closes, the sink cannot reopen it and reports `closed`. Give this or `url`.
   * @default none
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
  /**
   * Reconnection of the sink's own connection (amqplib's recovery, with eventrail's backoff):
   * the pause before each attempt after a lost connection or a failed attempt, and how many
   * attempts in a row may fail before the sink gives up and closes (`state` `closed`, writes
   * then fail as `RABBITMQ_CLOSED`, an `error` event says why). Also the first connection's.
   * @default { retries: Infinity, minDelayMs: 100, maxDelayMs: 10000, factor: 2, jitter: 'equal' }
   */
  readonly reconnect?: BackoffOptions;
  /**
   * How long a write waits for a connection being opened or re-opened, in milliseconds (also
   * the socket connect timeout). A write never waits while the last attempt failed: it fails at
   * once. @default 3000
   */
  readonly connectTimeoutMs?: number;
  /** How long a write waits for the broker's confirms before failing them, in milliseconds. @default 5000 */
  readonly confirmTimeoutMs?: number;
  /** How long a write waits while the broker blocks the connection (alarms), in milliseconds. @default 1000 */
  readonly blockedTimeoutMs?: number;
  /**
   * Deadline of `close()` when the call gives none, in milliseconds: how long it waits for the
   * confirms of writes in flight and for the broker to close the channel and connection.
   * @default 10000
   */
  readonly closeTimeoutMs?: number;
  /**
   * Lifecycle messages (connecting, connected, blocked, reconnecting, closed, and each fault in
   * the background), e.g. a pino logger. @default none (silent)
   */
  readonly log?: LifecycleLog;
}

/** A queue binding, as `queues[i]` gives it. */
const queueBinding = defineOptions<QueueBinding>()('QueueBinding', {
  queue: text(),
  bindingKeys: custom('an array of strings', (value, field) => {
    if (!Array.isArray(value) || value.some((k) => typeof k !== 'string')) {
      throw new ValidationError(field, 'VALIDATION_TYPE', 'must be an array of strings');
    }
    return value as readonly string[];
  }).default(['#'], "['#'] (everything, on a topic exchange)"),
  options: driverOptionsSpec<Options.AssertQueue>('queue arguments', '{ durable: true }'),
});

/** {@link RabbitMQSinkOptions} as a table of specs. @internal */
export const rabbitMQSinkOptions = defineOptions<RabbitMQSinkOptions>()(
  'RabbitMQSinkOptions',
  {
    url: text({
      pattern: /^amqps?:\/\//i,
      accepts: 'an amqp:// or amqps:// URL',
    }).optional(),
    connection: driverConnectionSpec<AmqpConnection>(
      'createConfirmChannel',
      'an amqplib connection (the result of amqplib.connect)',
    ),
    socketOptions: driverOptionsSpec<SocketOptions>('socket options'),
    exchange: text(),
    exchangeType: text().default('topic'),
    assertTopology: boolean().default(true),
    queues: custom('an array of QueueBinding', (value, field) => {
      if (!Array.isArray(value)) {
        throw new ValidationError(field, 'VALIDATION_TYPE', 'must be an array');
      }
      return value.map((binding, i) =>
        queueBinding.resolve(binding, `${field}[${i}]`),
      ) as readonly QueueBinding[];
    }).default([]),
    routingKeyPrefix: text().default('eventrail'),
    routingKey: fn<(event: EventRecord) => string>().optional(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the documented default, as code
      '(event) => `${routingKeyPrefix}.${event.type}`',
    ),
    priority: fn<(event: EventRecord) => number | null | undefined>().optional('no priority'),
    mandatory: boolean().default(true),
    ...brokerSinkSpecs('rabbitmq'),
    confirmTimeoutMs: integer({ min: 1 }).default(5000),
    blockedTimeoutMs: integer({ min: 0 }).default(1000),
  },
  oneConnectionRule('url'),
);

/** {@link RabbitMQSinkOptions} with every value resolved, the routing key function included. @internal */
export type ResolvedRabbitMQSinkOptions = ReturnType<typeof rabbitMQSinkOptions.resolve> & {
  readonly routingKey: (event: EventRecord) => string;
};

/** Resolves the options of a {@link RabbitMQSink}; throws a {@link ValidationError}. @internal */
export function resolveRabbitMQSinkOptions(options: unknown): ResolvedRabbitMQSinkOptions {
  const o = rabbitMQSinkOptions.resolve(options);
  const prefix = o.routingKeyPrefix;
  return { ...o, routingKey: o.routingKey ?? ((event) => `${prefix}.${event.type}`) };
}

/** The defaults of {@link RabbitMQSinkOptions}. */
export const DEFAULT_RABBITMQ_SINK_OPTIONS = Object.freeze(
  rabbitMQSinkOptions.defaults,
) as Readonly<
  Required<
    Pick<
      RabbitMQSinkOptions,
      | 'exchangeType'
      | 'assertTopology'
      | 'queues'
      | 'routingKeyPrefix'
      | 'mandatory'
      | 'name'
      | 'connectTimeoutMs'
      | 'closeTimeoutMs'
      | 'confirmTimeoutMs'
      | 'blockedTimeoutMs'
    >
  > & {
    /** The default `reconnect` backoff, every field resolved. */
    readonly reconnect: Backoff;
  }
>;
