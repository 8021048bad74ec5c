import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { ValidationError } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import {
  booleanOption,
  choiceOption,
  numberOption,
  reconnectOption,
  textOption,
} from '../options/validate.js';
import { checkSubject } from './subjects.js';

/** Where a stream keeps its messages. */
export type NatsStorage = 'file' | 'memory';

/** The JetStream stream the sink publishes to. */
export interface NatsStreamOptions {
  /** Stream name. Required. */
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

/** Reconnection with capped exponential backoff (first connection and lost connections). */
export interface NatsReconnectOptions {
  /** Delay before the first reconnection attempt, in milliseconds. @default 100 */
  readonly minDelayMs?: number;
  /** Upper bound of one delay, in milliseconds. @default 10000 */
  readonly maxDelayMs?: number;
  /** Growth of the delay from one attempt to the next. @default 2 */
  readonly factor?: number;
}

/** Options of {@link NatsSink}. Give `servers` or `connection`, and `stream`. */
export interface NatsSinkOptions {
  /**
   * `nats://` URL(s) of the server(s). The sink opens its own connection on the first write,
   * reconnects it when it is lost, and closes it on `close()`.
   */
  readonly servers?: string | readonly string[];
  /** A connection the host already has. Never closed by the sink. */
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
  /** Reconnection backoff. @default { minDelayMs: 100, maxDelayMs: 10000, factor: 2 } */
  readonly reconnect?: NatsReconnectOptions;
  /**
   * How long opening a connection may take. A write never waits while the last attempt failed
   * or while the connection is lost: it fails at once. @default 3000
   */
  readonly connectTimeoutMs?: number;
  /** How long a write waits for JetStream's acks before failing the unacknowledged. @default 5000 */
  readonly ackTimeoutMs?: number;
}

/** @internal */
export interface ResolvedNatsSinkOptions {
  readonly name: string;
  readonly stream: Required<NatsStreamOptions>;
  readonly assertStream: boolean;
  readonly subject: (event: EventRecord) => string;
  readonly reconnect: Required<NatsReconnectOptions>;
  readonly connectTimeoutMs: number;
  readonly ackTimeoutMs: number;
}

/** The defaults of {@link NatsSinkOptions}. */
export const DEFAULT_NATS_SINK_OPTIONS = Object.freeze({
  name: 'nats',
  assertStream: true,
  subjectPrefix: 'eventrail',
  storage: 'file' as NatsStorage,
  replicas: 1,
  duplicateWindowMs: 120_000,
  reconnect: Object.freeze({ minDelayMs: 100, maxDelayMs: 10_000, factor: 2 }),
  connectTimeoutMs: 3000,
  ackTimeoutMs: 5000,
});

const D = DEFAULT_NATS_SINK_OPTIONS;

/** Validates the options once, at construction. @internal */
export function resolveNatsSinkOptions(options: NatsSinkOptions): ResolvedNatsSinkOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('options', 'VALIDATION_REQUIRED', 'are required');
  }
  checkSource(options);
  const prefix = textOption(options.subjectPrefix ?? D.subjectPrefix, 'subjectPrefix');
  checkSubject(`${prefix}.x`, 'options.subjectPrefix', false);
  if (options.subject !== undefined && typeof options.subject !== 'function') {
    throw new ValidationError('options.subject', 'VALIDATION_TYPE', 'must be a function');
  }
  return {
    name: textOption(options.name ?? D.name, 'name'),
    stream: stream(options.stream, prefix),
    assertStream: booleanOption(options.assertStream, 'assertStream', D.assertStream),
    subject: options.subject ?? ((e) => `${prefix}.${e.type}`),
    reconnect: reconnectOption(options.reconnect, D.reconnect),
    connectTimeoutMs: numberOption(
      options.connectTimeoutMs,
      'connectTimeoutMs',
      D.connectTimeoutMs,
      {
        min: 1,
      },
    ),
    ackTimeoutMs: numberOption(options.ackTimeoutMs, 'ackTimeoutMs', D.ackTimeoutMs, { min: 1 }),
  };
}

function stream(value: NatsStreamOptions, prefix: string): Required<NatsStreamOptions> {
  if (typeof value !== 'object' || value === null) {
    throw new ValidationError('options.stream', 'VALIDATION_REQUIRED', 'is required');
  }
  const name = textOption(value.name, 'stream.name');
  if (/[\s.*>/\\]/.test(name)) {
    throw new ValidationError(
      'options.stream.name',
      'VALIDATION_RANGE',
      'must not contain whitespace, ".", "*", ">", "/" or "\\"',
    );
  }
  const subjects = value.subjects ?? [`${prefix}.>`];
  if (!Array.isArray(subjects) || subjects.length === 0) {
    throw new ValidationError(
      'options.stream.subjects',
      'VALIDATION_TYPE',
      'must be a non-empty array of subjects',
    );
  }
  subjects.forEach((s, i) => {
    checkSubject(s, `options.stream.subjects[${i}]`, true);
  });
  return {
    name,
    subjects,
    storage: choiceOption(value.storage, 'stream.storage', ['file', 'memory'], D.storage),
    replicas: numberOption(value.replicas, 'stream.replicas', D.replicas, { min: 1 }),
    duplicateWindowMs: numberOption(
      value.duplicateWindowMs,
      'stream.duplicateWindowMs',
      D.duplicateWindowMs,
      { min: 1 },
    ),
  };
}

function checkSource(options: NatsSinkOptions): void {
  const { servers, connection } = options;
  if ((servers === undefined) === (connection === undefined)) {
    throw new ValidationError(
      'options.servers',
      'VALIDATION_REQUIRED',
      'give either servers or connection',
    );
  }
  const list = typeof servers === 'string' ? [servers] : servers;
  if (list !== undefined && (!Array.isArray(list) || list.some((s) => typeof s !== 'string'))) {
    throw new ValidationError(
      'options.servers',
      'VALIDATION_TYPE',
      'must be a URL or an array of URLs',
    );
  }
  if (
    connection !== undefined &&
    typeof (connection as { request?: unknown }).request !== 'function'
  ) {
    throw new ValidationError(
      'options.connection',
      'VALIDATION_TYPE',
      'must be a NatsConnection (the result of connect from @nats-io/transport-node)',
    );
  }
}
