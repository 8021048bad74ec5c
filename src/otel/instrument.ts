import { type MeterProvider, metrics } from '@opentelemetry/api';
import { ListenerSafeEmitter } from '../emitter.js';
import { ValidationError } from '../errors.js';
import {
  type CloseOptions,
  Closer,
  type CloseSummary,
  type Lifecycle,
} from '../lifecycle/close.js';
import { type LifecycleLog, lifecycle, logErrors, logSpec } from '../lifecycle/log.js';
import { defineOptions } from '../options/schema.js';
import { custom, integer, type Spec } from '../options/spec.js';
import { observeBrokerSinks } from './broker-instruments.js';
import { MetricsReadError } from './errors.js';
import { observeFigures } from './figures.js';
import { observeLogger } from './logger-instruments.js';
import { observePublisher } from './outbox-instruments.js';
import {
  API_FIGURES,
  CONSUMER_FIGURES,
  INBOX_FIGURES,
  MAINTENANCE_FIGURES,
  QUERY_FIGURES,
  STREAM_FIGURES,
} from './part-instruments.js';
import { Registration } from './registration.js';
import { observeSlot } from './slot-instruments.js';
import type {
  MessagingTarget,
  ObservedApi,
  ObservedBrokerSink,
  ObservedConsumer,
  ObservedInbox,
  ObservedLogger,
  ObservedMaintenance,
  ObservedPublisher,
  ObservedQueries,
  ObservedSink,
  ObservedSlot,
  ObservedStream,
} from './sources.js';

/** The meter name (instrumentation scope) of eventrail's instruments. */
export const METER_NAME = 'eventrail';

/** What {@link instrument} observes; every part is optional. */
export interface InstrumentOptions {
  /** An `EventLogger`: intake counts, and per sink queue depth, writes, drops, fallback, batches. @default none */
  readonly logger?: ObservedLogger;
  /** An `OutboxPublisher`: outcomes, publish lag, batches, and its table's backlog (`stats()`). @default none */
  readonly publisher?: ObservedPublisher;
  /** An `EventStream`: subscribers, events taken, laggards, reads. @default none */
  readonly stream?: ObservedStream;
  /** A `MaintenanceTimer`: runs, partitions, rows moved and purged, run durations. @default none */
  readonly maintenance?: ObservedMaintenance;
  /** An `EventsApi`: requests, responses by status class, open SSE streams, durations. @default none */
  readonly api?: ObservedApi;
  /** An `EventQueries`: reads, failed reads, cache hits and misses, durations. @default none */
  readonly queries?: ObservedQueries;
  /** An `Inbox`: events handled and redeliveries skipped. @default none */
  readonly inbox?: ObservedInbox;
  /**
   * A `Consumer` (this process's member): events handled, batches, retries, parked, partitions
   * held, lag in events and seconds, handler durations. @default none
   */
  readonly consumer?: ObservedConsumer;
  /**
   * A replication slot of the WAL transport (the relay, or anything with `slotStatus()`): the
   * WAL it lags and retains in bytes, and its reader's measured lag in seconds, read with one
   * query per collection (bounded by `readTimeoutMs`). @default none
   */
  readonly slot?: ObservedSlot;
  /**
   * Sinks (any eventrail sink). Broker sinks (`RabbitMQSink`, `NatsSink`) add
   * `messaging.client.sent.messages`, connects and disconnects, RabbitMQ's blocked time, and
   * with `logger` `messaging.client.operation.duration` of their writes; every sink's delivery
   * figures are the logger's per-sink instruments. @default []
   */
  readonly sinks?: readonly ObservedSink[];
  /**
   * How long a collection waits for figures that need a query (the publisher's `stats()`, the
   * slot's `slotStatus()`), in
   * milliseconds: past it, that collection has none of them and a `MetricsReadError` is
   * emitted, so that a database that stopped answering never holds the other parts' figures.
   * @default 2000
   */
  readonly readTimeoutMs?: number;
  /** Where the instruments are created. @default the global provider (`metrics.getMeterProvider()`) */
  readonly meterProvider?: MeterProvider;
  /** Lifecycle messages (a read that failed, closed), e.g. a pino logger. @default none (silent) */
  readonly log?: LifecycleLog;
}

/** A snapshot of an {@link Instrumentation}, as returned by `metrics()`. */
export interface InstrumentationMetrics {
  /** Parts observed (sinks each count). */
  readonly parts: number;
  /** Reads of a part's figures that failed during a collection (the publisher's `stats()`), each an `error` event. */
  readonly errors: number;
}

/** The events an {@link Instrumentation} emits (eventemitter3). */
export interface InstrumentationEvents {
  /** A part's figures could not be read for one collection (a `MetricsReadError`). */
  error: (error: MetricsReadError) => void;
}

/** What {@link instrument} returns: the registration, under the lifecycle contract. */
export interface Instrumentation
  extends ListenerSafeEmitter<InstrumentationEvents>,
    Lifecycle<InstrumentationMetrics, CloseSummary> {}

/** A part with the methods `instrument()` reads. */
function part<T>(accepts: string, methods: readonly string[], doc = 'none'): Spec<T | undefined> {
  return custom(accepts, (value, field) => {
    const o = value as Record<string, unknown> | null;
    const missing = methods.find((m) => typeof o?.[m] !== 'function');
    if (missing !== undefined) {
      throw new ValidationError(
        field,
        'VALIDATION_TYPE',
        `must be ${accepts} (it has no ${missing}() method)`,
      );
    }
    return value as T;
  }).optional(doc);
}

const sinksSpec = custom('an array of sinks', (value, field) => {
  if (!Array.isArray(value))
    throw new ValidationError(field, 'VALIDATION_TYPE', 'must be an array of sinks');
  return value.map((sink: ObservedSink | null, i) => {
    const at = `${field}[${i}]`;
    if (typeof sink?.name !== 'string')
      throw new ValidationError(at, 'VALIDATION_TYPE', 'must be a sink (with a name)');
    if (sink.messaging === undefined) return sink;
    const { system, destination } = sink.messaging ?? {};
    if (typeof system !== 'string' || typeof destination !== 'string') {
      throw new ValidationError(
        `${at}.messaging`,
        'VALIDATION_TYPE',
        'must be { system, destination }',
      );
    }
    if (typeof sink.metrics !== 'function') {
      throw new ValidationError(
        at,
        'VALIDATION_TYPE',
        'a broker sink must have a metrics() method',
      );
    }
    return sink;
  }) as readonly ObservedSink[];
}).default([]);

const instrumentOptions = defineOptions<InstrumentOptions>()('InstrumentOptions', {
  logger: part<ObservedLogger>('an EventLogger', ['metrics', 'on', 'off']),
  publisher: part<ObservedPublisher>('an OutboxPublisher', ['metrics', 'stats', 'on', 'off']),
  stream: part<ObservedStream>('an EventStream', ['metrics']),
  maintenance: part<ObservedMaintenance>('a MaintenanceTimer', ['metrics']),
  api: part<ObservedApi>('an EventsApi', ['metrics']),
  queries: part<ObservedQueries>('an EventQueries', ['metrics']),
  inbox: part<ObservedInbox>('an Inbox', ['metrics']),
  consumer: part<ObservedConsumer>('a Consumer', ['metrics']),
  slot: part<ObservedSlot>('a replication slot (the relay)', ['slotStatus']),
  sinks: sinksSpec,
  readTimeoutMs: integer({ min: 1 }).default(2000),
  meterProvider: part<MeterProvider>(
    'a MeterProvider',
    ['getMeter'],
    'the global provider (`metrics.getMeterProvider()`)',
  ),
  log: logSpec(),
});

/** The API's responses by status class, one series each. */
function observeResponses(r: Registration, api: ObservedApi): void {
  const responses = r.counter(
    'eventrail.http.responses',
    '{response}',
    'Responses made, by status class',
  );
  r.observe([responses], (result) => {
    for (const [statusClass, count] of Object.entries(api.metrics().responses)) {
      result.observe(responses, count, { 'eventrail.http.status_class': statusClass });
    }
  });
}

class Metering extends ListenerSafeEmitter<InstrumentationEvents> implements Instrumentation {
  readonly #registration: Registration;
  readonly #closer = new Closer<CloseSummary>(0);
  readonly #log: LifecycleLog | undefined;
  readonly #parts: number;
  #errors = 0;

  constructor(options: ReturnType<typeof instrumentOptions.resolve>) {
    super();
    const { logger, publisher, stream, maintenance, api, queries, inbox, consumer, slot, sinks } =
      options;
    this.#log = options.log;
    logErrors(this, options.log, 'eventrail metrics read failed');
    const provider = options.meterProvider ?? metrics.getMeterProvider();
    const r = new Registration(provider.getMeter(METER_NAME));
    this.#registration = r;
    const brokers = sinks.filter((s): s is ObservedBrokerSink => s.messaging !== undefined);
    const targets = new Map<string, MessagingTarget>(brokers.map((s) => [s.name, s.messaging]));
    if (logger) observeLogger(r, logger, targets);
    if (publisher) {
      observePublisher(r, publisher, options.readTimeoutMs, (error) =>
        this.#failed('OutboxPublisher', error),
      );
    }
    if (slot) {
      const failed = (error: unknown) => this.#failed('WAL slot', error);
      observeSlot(r, slot, { readTimeoutMs: options.readTimeoutMs, failed });
    }
    if (brokers.length > 0) observeBrokerSinks(r, brokers);
    if (stream) observeFigures(r, STREAM_FIGURES, () => stream.metrics());
    if (maintenance) observeFigures(r, MAINTENANCE_FIGURES, () => maintenance.metrics());
    if (queries) observeFigures(r, QUERY_FIGURES, () => queries.metrics());
    if (inbox) observeFigures(r, INBOX_FIGURES, () => inbox.metrics());
    // The lag's age (lagMs) is observed in seconds, as every time figure is.
    if (consumer) observeFigures(r, CONSUMER_FIGURES, () => consumer.metrics());
    if (api) {
      observeFigures(r, API_FIGURES, () => api.metrics());
      observeResponses(r, api);
    }
    const given = [logger, publisher, stream, maintenance, api, queries, inbox, consumer, slot];
    this.#parts = given.filter((p) => p !== undefined).length + sinks.length;
  }

  metrics(): InstrumentationMetrics {
    return { parts: this.#parts, errors: this.#errors };
  }

  /**
   * Removes every callback and listener `instrument()` registered: the observable instruments
   * report nothing from then on (a cumulative reader repeats the last figures it saw), and the
   * histograms get no more records. Synchronous work: resolves at once with `timedOut: false`.
   */
  close(options?: CloseOptions): Promise<CloseSummary> {
    return this.#closer.close(options, async () => {
      this.#registration.unregister();
      lifecycle(this.#log, 'info', { parts: this.#parts }, 'eventrail instrumentation closed');
      return { timedOut: false };
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #failed(part: string, cause: unknown): void {
    this.#errors += 1;
    const error = new MetricsReadError(part, cause);
    this.emit('error', error);
  }
}

/**
 * Registers OpenTelemetry instruments over the `metrics()` snapshots of eventrail's parts:
 * observable instruments read each snapshot once per collection, so nothing is counted twice on
 * the hot path; batch size and duration histograms record once per batch from the `batch`
 * events. Every part and every sink is accepted. The result keeps the lifecycle contract:
 * `close()` (or `await using`) removes every callback and listener. Throws a `ValidationError`
 * for bad options.
 *
 * @example
 * ```ts
 * const metering = instrument({ logger, publisher, stream, api, sinks: [rabbit] });
 * // at shutdown
 * await metering.close();
 * ```
 */
export function instrument(options?: InstrumentOptions): Instrumentation {
  return new Metering(instrumentOptions.resolve(options));
}
