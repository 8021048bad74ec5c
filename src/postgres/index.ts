/**
 * eventrail for Postgres: the sink, the drizzle schema and its migrations, and the query module
 * (scoped reads, aggregates, their cache, opt-in row-level security).
 * Accepts a `pg` Pool or Client, a PGlite instance, or a drizzle database.
 * @packageDocumentation
 */
export type {
  DrizzleDatabaseLike,
  PgDatabase,
  PgPoolLike,
  QueryableLike,
} from './driver/types.js';
export {
  type MigrateOptions,
  type MigrationResult,
  migrate,
  type RollbackOptions,
  rollback,
} from './migrate/migrate.js';
export * from './query/index.js';
export { classifyPostgresError } from './sink/classify.js';
export { PostgresSink, type PostgresSinkOptions } from './sink/postgres-sink.js';
export type { SortOrder } from './sql/queries.js';
export { TENANT_SETTING } from './sql/rls.js';
