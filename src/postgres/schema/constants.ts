/**
 * The schema's names and values that runtime SQL needs, apart from the drizzle tables (which
 * import drizzle-orm): loading the Postgres entry must not load drizzle for a constant.
 */

/** The Postgres schema (namespace) eventrail's tables live in unless told otherwise. */
export const DEFAULT_SCHEMA = 'eventrail';

/** The tables (and bookkeeping relations) eventrail's migrations create in its schema. */
export const EVENTRAIL_TABLES: readonly string[] = [
  'event_logs',
  'event_outbox',
  'event_inbox',
  'eventrail_migrations',
  'retention_horizon',
  'consumers',
  'consumer_partitions',
  'consumer_members',
  'dead_letters',
];

/** The statuses of an outbox row. */
export const OUTBOX_STATUSES = ['pending', 'published', 'failed'] as const;

/** The status of an outbox row: waiting to be published, published, or given up on. */
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];
