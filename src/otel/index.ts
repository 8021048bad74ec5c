/**
 * eventrail for OpenTelemetry: {@link instrument} turns the `metrics()` of a logger, an outbox
 * publisher and broker sinks into OpenTelemetry instruments. Needs `@opentelemetry/api` (an
 * optional peer dependency) installed.
 * @packageDocumentation
 */
export {
  type Instrumentation,
  type InstrumentOptions,
  instrument,
  METER_NAME,
} from './instrument.js';
export type {
  BatchEmitter,
  MessagingTarget,
  ObservedBrokerSink,
  ObservedLogger,
  ObservedMaintenance,
  ObservedPublisher,
  ObservedSinkFigures,
} from './sources.js';
