/**
 * eventrail for Postgres: the sink, the drizzle schema and its migrations.
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
export { classifyPostgresError } from './sink/classify.js';
export { PostgresSink, type PostgresSinkOptions } from './sink/postgres-sink.js';
