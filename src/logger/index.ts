export {
  DEFAULT_PIPELINE_OPTIONS,
  type OverflowPolicy,
  type PipelineOptions,
} from '../sinks/pipeline-options.js';
export {
  EventLogger,
  type EventLoggerCloseSummary,
  type SinkCloseSummary,
} from './event-logger.js';
export type { DropReason, EventLoggerEvents } from './events.js';
export type { EventLoggerMetrics, SinkMetrics } from './metrics.js';
export type { EventLoggerOptions, SinkRegistration } from './options.js';
