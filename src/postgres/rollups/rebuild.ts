import { ValidationError } from '../../errors.js';
import { defineOptions } from '../../options/schema.js';
import { custom, fn } from '../../options/spec.js';
import { dbSpec, toExecutor } from '../driver/executor.js';
import type { PgDatabase } from '../driver/types.js';
import { schemaSpec, tableNames } from '../sql/names.js';
import { EVENTS_ROLLUP, rollupSql } from '../sql/rollups.js';
import { buildDays, createRollup, type RollupProgress } from './build.js';

/** Options of {@link rebuildRollups}. */
export interface RebuildRollupsOptions {
  /** A `pg` Pool or Client, PGlite, or a drizzle database. Never closed. */
  readonly db: PgDatabase;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /** Rebuild the days from this one (its UTC day) on. @default every stored day */
  readonly from?: Date;
  /** Called after each day. @default none */
  readonly onProgress?: (progress: RollupProgress) => void;
}

/** What {@link rebuildRollups} did. */
export interface RebuildRollupsResult {
  /** Days folded again. */
  readonly days: number;
  /** How long it took, in milliseconds. */
  readonly durationMs: number;
}

const rebuildOptions = defineOptions<RebuildRollupsOptions>()('RebuildRollupsOptions', {
  db: dbSpec(),
  schema: schemaSpec(),
  from: custom('a Date', (value, field) => {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
    throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a valid Date');
  }).optional('every stored day'),
  onProgress: fn<(progress: RollupProgress) => void>().optional('none'),
});

/**
 * Rebuilds the rollups from the stored events (after a restore, or to check them), one UTC day
 * per transaction, while events are written and a `RollupWorker` folds: each day's rows are
 * replaced at once by the count of its events up to the checkpoint, which the worker's folds
 * continue after, so nothing is missed or counted twice, and reads stay exact throughout. Makes
 * the rollup when it does not exist; a rebuild of every day marks it complete (aggregates then
 * read it). Bad options reject with a `ValidationError` before the database is touched.
 */
export async function rebuildRollups(
  options: RebuildRollupsOptions,
): Promise<RebuildRollupsResult> {
  const { db, schema, from, onProgress } = rebuildOptions.resolve(options);
  const started = performance.now();
  const names = tableNames(schema);
  const executor = toExecutor(db);
  const { done, complete } = await executor.withSession(async (session) => {
    await createRollup(session, names);
    return buildDays(session, names, { from: from ?? null, onProgress });
  });
  if (from === undefined && complete) {
    await executor.query(rollupSql(names).completed, [EVENTS_ROLLUP]);
  }
  return { days: done, durationMs: performance.now() - started };
}
