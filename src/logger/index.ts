export {
  DEFAULT_PIPELINE_OPTIONS,
  type OverflowPolicy,
  type PipelineOptions,
  type RetryOptions,
} from '../sinks/pipeline-options.js';
export {
  type CloseOptions,
  type CloseSummary,
  EventLogger,
  type SinkCloseSummary,
} from './event-logger.js';
export type { DropReason, EventLoggerEvents } from './events.js';
export type { LoggerMetrics, SinkMetrics } from './metrics.js';
export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  type EventLoggerOptions,
  type SinkRegistration,
} from './options.js';
