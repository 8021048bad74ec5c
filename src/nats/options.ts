import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { ValidationError } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import type { LifecycleLog } from '../lifecycle/log.js';
import { defineOptions } from '../options/schema.js';
import { boolean, custom, fn, integer, nested, oneOf, text } from '../options/spec.js';
import type { Backoff, BackoffOptions } from '../retry/backoff.js';
import {
  brokerSinkSpecs,
  driverConnectionSpec,
  driverOptionsSpec,
  oneConnectionRule,
} from '../sinks/broker-sink.js';
import { checkSubject } from './subjects.js';

/** Where a stream keeps its messages. */
export type NatsStorage = 'file' | 'memory';

/** The JetStream stream the sink publishes to. */
export interface NatsStreamOptions {
  /** Stream name (no whitespace, `.`, `*`, `>`, `/` or `\`). Required. */
  readonly name: string;
  /**
   * Subjects the stream stores (wildcards allowed). Every subject the sink publishes must match
   * one of them; an event whose subject does not fails alone (`NATS_UNROUTABLE`).
   * @default [`${subjectPrefix}.>`]
   */
  readonly subjects?: readonly string[];
  /** Storage of a stream the sink creates. @default 'file' */
  readonly storage?: NatsStorage;
  /** Replicas of a stream the sink creates (1 on a single server). @default 1 */
  readonly replicas?: number;
  /**
   * JetStream's duplicate window of a stream the sink creates, in milliseconds: a message whose
   * `Nats-Msg-Id` (the event id) was stored within it is dropped as a duplicate.
   * @default 120000 (2 minutes, JetStream's own default)
   */
  readonly duplicateWindowMs?: number;
}

/** Options of {@link NatsSink}. Give `servers` or `connection`, and `stream`. */
export interface NatsSinkOptions {
  /**
   * `nats://` URL(s) of the server(s). The sink opens its own connection on the first write,
   * reconnects it when it is lost, and closes it on `close()`. Give this or `connection`.
   * @default none
   */
  readonly servers?: string | readonly string[];
  /** A connection the host already has. Never closed by the sink. Give this or `servers`. @default none */
  readonly connection?: NatsConnection;
  /**
   * Further options of the sink's own connection (credentials, TLS, ping interval, ...), as
   * `@nats-io/transport-node`'s `connect` takes them. `servers`, `name`, `timeout` and the
   * reconnect settings are the sink's. @default {}
   */
  readonly connectOptions?: Partial<NodeConnectionOptions>;
  /** The stream the events are published to. Required. */
  readonly stream: NatsStreamOptions;
  /**
   * Create the stream when it does not exist (then check it, whenever a connection opens).
   * `false` only checks that it exists and that its subjects cover `stream.subjects`.
   * @default true
   */
  readonly assertStream?: boolean;
  /** First token of the default subject. @default 'eventrail' */
  readonly subjectPrefix?: string;
  /**
   * Subject of an event that has no `routingKey` of its own (the event's always wins, so seed
   * 004's `cns.*` keys are subjects as they are).
   * @default (event) => `${subjectPrefix}.${event.type}`
   */
  readonly subject?: (event: EventRecord) => string;
  /** Sink name in metrics and summaries; also the connection name. @default 'nats' */
  readonly name?: string;
  /**
   * Reconnection of the sink's own connection: the pause before each attempt after a failed one
   * (the client's `reconnectDelayHandler`; it dials once at once after a connection is lost),
   * and how many attempts in a row may fail before the sink gives up and closes (`state`
   * `closed`, writes then fail as `NATS_CLOSED`, an `error` event says why). The first
   * connection is opened by writes, no sooner than the pause after a failed attempt.
   * @default { retries: Infinity, minDelayMs: 100, maxDelayMs: 10000, factor: 2, jitter: 'equal' }
   */
  readonly reconnect?: BackoffOptions;
  /**
   * How long opening a connection may take, in milliseconds. A write never waits while the last
   * attempt failed or while the connection is lost: it fails at once. @default 3000
   */
  readonly connectTimeoutMs?: number;
  /**
   * How long a write waits for JetStream's acks before failing the unacknowledged, in
   * milliseconds. @default 5000
   */
  readonly ackTimeoutMs?: number;
  /**
   * Deadline of `close()` when the call gives none, in milliseconds: how long it waits for the
   * acks of writes in flight and for the connection to close. @default 10000
   */
  readonly closeTimeoutMs?: number;
  /**
   * Lifecycle messages (connecting, connected, reconnecting, closed, and each fault in the
   * background), e.g. a pino logger. @default none (silent)
   */
  readonly log?: LifecycleLog;
}

/** One of a stream's subjects (wildcards allowed). */
const subjectPattern = custom('a subject pattern', (value, field) => {
  checkSubject(value, field, true);
  return value as string;
});

/** {@link NatsStreamOptions} as a table of specs. @internal */
export const natsStreamOptions = defineOptions<NatsStreamOptions>()('NatsStreamOptions', {
  name: text({
    pattern: /^[^\s.*>/\\]+$/,
    accepts: 'a name without whitespace, ".", "*", ">", "/" or "\\"',
  }),
  subjects: custom('a non-empty array of subjects', (value, field) => {
    if (!Array.isArray(value) || value.length === 0) {
      throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a non-empty array of subjects');
    }
    return value.map((s, i) => subjectPattern.resolve(s, `${field}[${i}]`)) as readonly string[];
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the documented default, as code
  }).optional('[`${subjectPrefix}.>`]'),
  storage: oneOf(['file', 'memory']).default('file'),
  replicas: integer({ min: 1 }).default(1),
  duplicateWindowMs: integer({ min: 1 }).default(120_000),
});

/** {@link NatsSinkOptions} as a table of specs. @internal */
export const natsSinkOptions = defineOptions<NatsSinkOptions>()(
  'NatsSinkOptions',
  {
    servers: custom('a URL or an array of URLs', (value, field) => {
      const list = typeof value === 'string' ? [value] : value;
      if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) {
        throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a URL or an array of URLs');
      }
      return value as string | readonly string[];
    }).optional(),
    connection: driverConnectionSpec<NatsConnection>(
      'request',
      'a NatsConnection (the result of connect from @nats-io/transport-node)',
    ),
    connectOptions: driverOptionsSpec<Partial<NodeConnectionOptions>>('connect options'),
    stream: nested(natsStreamOptions),
    assertStream: boolean().default(true),
    subjectPrefix: custom('a subject prefix', (value, field) => {
      if (typeof value !== 'string') {
        throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a string');
      }
      checkSubject(`${value}.x`, field, false);
      return value;
    }).default('eventrail'),
    subject: fn<(event: EventRecord) => string>().optional(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the documented default, as code
      '(event) => `${subjectPrefix}.${event.type}`',
    ),
    ...brokerSinkSpecs('nats'),
    ackTimeoutMs: integer({ min: 1 }).default(5000),
  },
  oneConnectionRule('servers'),
);

/** {@link NatsSinkOptions} with every value resolved, the stream's subjects and the subject function included. @internal */
export type ResolvedNatsSinkOptions = Omit<ReturnType<typeof natsSinkOptions.resolve>, 'stream'> & {
  readonly stream: Required<NatsStreamOptions>;
  readonly subject: (event: EventRecord) => string;
};

/** Resolves the options of a {@link NatsSink}; throws a {@link ValidationError}. @internal */
export function resolveNatsSinkOptions(options: unknown): ResolvedNatsSinkOptions {
  const o = natsSinkOptions.resolve(options);
  const prefix = o.subjectPrefix;
  return {
    ...o,
    stream: { ...o.stream, subjects: o.stream.subjects ?? [`${prefix}.>`] },
    subject: o.subject ?? ((event) => `${prefix}.${event.type}`),
  };
}

/** The defaults of {@link NatsSinkOptions}. */
export const DEFAULT_NATS_SINK_OPTIONS = Object.freeze(natsSinkOptions.defaults) as Readonly<
  Required<
    Pick<
      NatsSinkOptions,
      | 'assertStream'
      | 'subjectPrefix'
      | 'name'
      | 'connectTimeoutMs'
      | 'closeTimeoutMs'
      | 'ackTimeoutMs'
    >
  > & {
    /** The default `reconnect` backoff, every field resolved. */
    readonly reconnect: Backoff;
  }
>;

/** The defaults of {@link NatsStreamOptions} (of a stream the sink creates). */
export const DEFAULT_NATS_STREAM_OPTIONS = Object.freeze(natsStreamOptions.defaults) as Readonly<
  Required<Pick<NatsStreamOptions, 'storage' | 'replicas' | 'duplicateWindowMs'>>
>;
