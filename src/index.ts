/**
 * eventrail core: the event envelope, the batching {@link EventLogger}, the {@link Sink}
 * interface and the console and memory sinks. No database or broker dependency.
 * @packageDocumentation
 */
export * from './catalog/index.js';
export { ListenerSafeEmitter } from './emitter.js';
export {
  ClosedError,
  CloseTimeoutError,
  ConsumerError,
  type ConsumerErrorCode,
  CursorExpiredError,
  EventrailError,
  MaintenanceError,
  MigrationError,
  NotMigratedError,
  type OutboxOperation,
  OutboxPublisherError,
  PartialWriteError,
  QueryCacheError,
  type QueryCacheOperation,
  RollupError,
  SinkWriteError,
  type ValidationCode,
  ValidationError,
  WriteTimeoutError,
} from './errors.js';
export {
  DEFAULT_MAX_PAYLOAD_BYTES,
  type EventInput,
  type EventRecord,
  eventToJson,
  isUuid,
  type JsonObject,
  type JsonValue,
  type NormalizeOptions,
  normalizeEvent,
  uuidv7,
} from './event/index.js';
export {
  type CloseOptions,
  type CloseSummary,
  DEFAULT_CLOSE_TIMEOUT_MS,
  type Lifecycle,
} from './lifecycle/close.js';
export type { DurationSummary } from './lifecycle/durations.js';
export type { LifecycleLevel, LifecycleLog } from './lifecycle/log.js';
export * from './logger/index.js';
export type { Backoff, BackoffOptions, Jitter } from './retry/backoff.js';
export * from './sinks/index.js';
