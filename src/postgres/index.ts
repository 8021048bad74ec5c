/**
 * eventrail for Postgres: the sink, the transactional outbox, the query module (scoped reads,
 * aggregates, their cache, opt-in row-level security), live streams of committed events, durable
 * consumers (groups, checkpoints in the handler's transaction, dead letters), replay
 * of stored events to a sink, the migrations of the drizzle schema, and the maintenance of the
 * time partitions of event_logs (retention).
 * Accepts a `pg` Pool or Client, a PGlite instance, or a drizzle database.
 * @packageDocumentation
 */

export { Consumer, type ConsumerCloseSummary, type ConsumerEvents } from './consume/consumer.js';
export type {
  DeadLetter,
  DeadLetterListOptions,
  DeadLetterReplay,
  DeadLetterSelection,
} from './consume/dead-letters.js';
export type { ConsumerMetrics } from './consume/metrics.js';
export type { ConsumerHandler, ConsumerOptions, ConsumerStart } from './consume/options.js';
export type { ConsumerPartitionStats, ConsumerStats } from './consume/stats.js';
export type { PurgeOptions } from './driver/chunks.js';
export type { DrizzleTransactionLike, OutboxTransaction } from './driver/transaction.js';
export type {
  DrizzleDatabaseLike,
  PgDatabase,
  QueryableLike,
} from './driver/types.js';
export {
  DEFAULT_INBOX_OPTIONS,
  Inbox,
  type InboxMetrics,
  type InboxOptions,
} from './inbox/inbox.js';
export * from './maintenance/index.js';
export {
  type MigrateOptions,
  type MigrationResult,
  migrate,
  type RollbackOptions,
  rollback,
} from './migrate/migrate.js';
export { OutboxAdmin, type OutboxAdminOptions } from './outbox/admin.js';
export type { OutboxPublisherEvents } from './outbox/events.js';
export type { OutboxCounts, OutboxStats, ReprocessFilter } from './outbox/maintenance.js';
export type { OutboxPublisherMetrics } from './outbox/metrics.js';
export {
  DEFAULT_OUTBOX_PUBLISHER_OPTIONS,
  type OutboxOrdering,
  type OutboxPublisherOptions,
  type PublishFunction,
} from './outbox/options.js';
export { OutboxPublisher, type OutboxPublisherCloseSummary } from './outbox/publisher.js';
export { type OutboxTransport, OutboxWriter, type OutboxWriterOptions } from './outbox/writer.js';
export * from './query/index.js';
export {
  ReplayError,
  type ReplayErrorCode,
  type ReplayReach,
} from './replay/errors.js';
export type { ReplayOptions, ReplayProgress } from './replay/options.js';
export { type ReplaySummary, replay } from './replay/replay.js';
export * from './rollups/index.js';
export type { OutboxStatus } from './schema/constants.js';
export { classifyPostgresError } from './sink/classify.js';
export { PostgresSink, type PostgresSinkOptions } from './sink/postgres-sink.js';
export type { SortOrder } from './sql/queries.js';
export { TENANT_SETTING } from './sql/rls.js';
export {
  StreamError,
  type StreamErrorCode,
  SubscriberLaggedError,
} from './stream/errors.js';
export { EventStream } from './stream/event-stream.js';
export type { EventStreamEvents } from './stream/events.js';
export type { StreamMarker } from './stream/markers.js';
export type { EventStreamCloseSummary, EventStreamMetrics } from './stream/metrics.js';
export {
  DEFAULT_EVENT_STREAM_OPTIONS,
  type EventStreamOptions,
  type SubscribeFrom,
  type SubscribeOptions,
  type WalConnectionConfig,
} from './stream/options.js';
export { type StreamEvent, Subscription } from './stream/subscription.js';
export { WalError, type WalErrorCode } from './wal/errors.js';
export type { WalRelayEvents } from './wal/events.js';
export type { WalRelayMetrics, WalRelayState } from './wal/metrics.js';
export type { WalRelayOptions } from './wal/options.js';
export { WalRelay, type WalRelayCloseSummary } from './wal/relay.js';
export type { ReplicationConnection } from './wal/replication.js';
