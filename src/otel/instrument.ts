import { type MeterProvider, metrics } from '@opentelemetry/api';
import { ValidationError } from '../errors.js';
import { observeBrokerSinks } from './broker-instruments.js';
import { observeLogger } from './logger-instruments.js';
import { observeMaintenance } from './maintenance-instruments.js';
import { observePublisher } from './outbox-instruments.js';
import { Registration } from './registration.js';
import type {
  MessagingTarget,
  ObservedBrokerSink,
  ObservedLogger,
  ObservedMaintenance,
  ObservedPublisher,
} from './sources.js';

/** The meter name (instrumentation scope) of eventrail's instruments. */
export const METER_NAME = 'eventrail';

/** What {@link instrument} observes; every part is optional. */
export interface InstrumentOptions {
  /** An `EventLogger`: intake counts, and per sink queue depth, writes, drops, fallback, batches. */
  readonly logger?: ObservedLogger;
  /** An `OutboxPublisher`: pending rows, oldest pending age, outcomes, publish lag, batches. */
  readonly publisher?: ObservedPublisher;
  /**
   * Broker sinks (`RabbitMQSink`, `NatsSink`): `messaging.client.sent.messages`, connects and
   * disconnects, RabbitMQ's blocked time; with `logger`, also
   * `messaging.client.operation.duration` of their writes.
   */
  readonly sinks?: readonly ObservedBrokerSink[];
  /** Anything whose `metrics()` returns numbers, such as a maintenance handle. */
  readonly maintenance?: ObservedMaintenance;
  /** Where the instruments are created. @default the global provider (`metrics.getMeterProvider()`) */
  readonly meterProvider?: MeterProvider;
}

/** What {@link instrument} returns. */
export interface Instrumentation {
  /**
   * Removes every callback and listener `instrument()` registered: the observable instruments
   * report nothing from then on, and the histograms get no more records. Idempotent.
   */
  unregister(): void;
}

/**
 * Registers OpenTelemetry instruments over eventrail's own `metrics()` snapshots: observable
 * instruments read a snapshot once per collection, so nothing is counted twice on the hot path;
 * batch size and duration histograms record once per batch from the `batch` events. See the
 * README's "Metrics" section for every instrument.
 *
 * @example
 * ```ts
 * const metering = instrument({ logger, publisher, sinks: [rabbit] });
 * // at shutdown
 * metering.unregister();
 * ```
 */
export function instrument(options: InstrumentOptions): Instrumentation {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('options', 'VALIDATION_TYPE', 'must be an object');
  }
  const { logger, publisher, sinks = [], maintenance, meterProvider } = options;
  check(logger, 'logger');
  check(publisher, 'publisher');
  check(maintenance, 'maintenance');
  if (!Array.isArray(sinks)) {
    throw new ValidationError('options.sinks', 'VALIDATION_TYPE', 'must be an array of sinks');
  }
  const targets = new Map<string, MessagingTarget>();
  sinks.forEach((sink: ObservedBrokerSink, i) => {
    check(sink, `sinks[${i}]`);
    const target = sink.messaging;
    if (typeof target?.system !== 'string' || typeof target.destination !== 'string') {
      throw new ValidationError(
        `options.sinks[${i}].messaging`,
        'VALIDATION_TYPE',
        'must be { system, destination }',
      );
    }
    targets.set(sink.name, target);
  });
  const provider = meterProvider ?? metrics.getMeterProvider();
  const registration = new Registration(provider.getMeter(METER_NAME));
  if (logger) observeLogger(registration, logger, targets);
  if (publisher) observePublisher(registration, publisher);
  if (sinks.length > 0) observeBrokerSinks(registration, sinks);
  if (maintenance) observeMaintenance(registration, maintenance);
  return { unregister: () => registration.unregister() };
}

function check(source: { metrics(): unknown } | undefined, name: string): void {
  if (source !== undefined && typeof source?.metrics !== 'function') {
    throw new ValidationError(`options.${name}`, 'VALIDATION_TYPE', 'must have a metrics() method');
  }
}
