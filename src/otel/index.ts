/**
 * eventrail for OpenTelemetry: {@link instrument} turns the `metrics()` of a logger, an outbox
 * publisher and broker sinks into OpenTelemetry instruments. Needs `@opentelemetry/api` (an
 * optional peer dependency) installed. {@link enableTraceContext} stores the active span's ids with
 * every event and traces the outbox publisher's publishing.
 * @packageDocumentation
 */

export type { TraceContext } from '../event/trace.js';
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
export {
  enableTraceContext,
  PUBLISH_SPAN_NAME,
  type TraceContextHandle,
  type TraceContextOptions,
} from './trace-context.js';
