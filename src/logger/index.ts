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
  DEFAULT_PIPELINE_OPTIONS,
  type EventLoggerOptions,
  type OverflowPolicy,
  type PipelineOptions,
  type RetryOptions,
  type SinkRegistration,
} from './options.js';
