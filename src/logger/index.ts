export {
  DEFAULT_PIPELINE_OPTIONS,
  type OverflowPolicy,
  type PipelineOptions,
} from '../sinks/pipeline-options.js';
export { EventLogger, type LoggerCloseSummary, type SinkCloseSummary } from './event-logger.js';
export type { DropReason, EventLoggerEvents } from './events.js';
export type { LoggerMetrics, SinkMetrics } from './metrics.js';
export type { EventLoggerOptions, SinkRegistration } from './options.js';
