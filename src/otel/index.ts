/**
 * eventrail for OpenTelemetry: {@link instrument} turns the `metrics()` of every part (logger,
 * outbox publisher, stream, maintenance timer, HTTP API, queries, inbox, sinks) into
 * OpenTelemetry instruments. Needs `@opentelemetry/api` (an
 * optional peer dependency) installed. {@link enableTraceContext} stores the active span's ids with
 * every event and traces the outbox publisher's publishing.
 * @packageDocumentation
 */

export type { TraceContext } from '../event/trace.js';
export { MetricsReadError } from './errors.js';
export {
  type Instrumentation,
  type InstrumentationEvents,
  type InstrumentationMetrics,
  type InstrumentOptions,
  instrument,
  METER_NAME,
} from './instrument.js';
export type {
  BatchEmitter,
  MessagingTarget,
  ObservedApi,
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
export {
  enableTraceContext,
  PUBLISH_SPAN_NAME,
  type TraceContextHandle,
  type TraceContextOptions,
} from './trace-context.js';
