import { ValidationError } from '../../errors.js';
import { defineOptions } from '../../options/schema.js';
import { custom, fn } from '../../options/spec.js';
import { dbSpec, toExecutor } from '../driver/executor.js';
import type { Executor, PgDatabase, Session } from '../driver/types.js';
import type { StreamPosition } from '../read/position.js';
import { schemaSpec, type TableNames, tableNames } from '../sql/names.js';
import { rollupSql } from '../sql/rollups.js';
import { buildDays, createRollup, type RollupProgress } from './build.js';
import {
  customShape,
  eventsShape,
  type RollupDefinition,
  type RollupShape,
  rollupDefinitionSpec,
} from './definition.js';

/** Options of {@link rebuildRollups}. */
export interface RebuildRollupsOptions {
  /** A `pg` Pool or Client, PGlite, or a drizzle database. Never closed. */
  readonly db: PgDatabase;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /** The rollup to rebuild: one of `defineRollup`. @default the built-in one (`event_rollups`) */
  readonly rollup?: RollupDefinition;
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
  rollup: rollupDefinitionSpec(),
  from: custom('a Date', (value, field) => {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
    throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a valid Date');
  }).optional('every stored day'),
  onProgress: fn<(progress: RollupProgress) => void>().optional('none'),
});

/**
 * Rebuilds a rollup from the stored events (after a restore, or to check it), one UTC day per
 * transaction, while events are written and a `RollupWorker` folds: each day's rows are
 * replaced at once by the count of its events up to the checkpoint, which the worker's folds
 * continue after, so nothing is missed or counted twice, and reads stay exact throughout. Makes
 * the rollup when it does not exist; a rebuild of every day marks it complete (aggregates then
 * read it). Bad options reject with a `ValidationError` before the database is touched.
 */
export async function rebuildRollups(
  options: RebuildRollupsOptions,
): Promise<RebuildRollupsResult> {
  const { db, schema, rollup, from, onProgress } = rebuildOptions.resolve(options);
  const names = tableNames(schema);
  const shape = rollup ? customShape(names, rollup) : eventsShape(names);
  return rebuildShape(toExecutor(db), names, shape, from ?? null, onProgress);
}

/** {@link rebuildRollups} of `shape`, checked. @internal */
export async function rebuildShape(
  executor: Executor,
  names: TableNames,
  shape: RollupShape,
  from: Date | null,
  onProgress?: (progress: RollupProgress) => void,
): Promise<RebuildRollupsResult> {
  const started = performance.now();
  const sql = rollupSql(names, shape);
  const lock = async (session: Session) =>
    (await session.query<StreamPosition>(sql.lock, [shape.name])).rows[0];
  const { done, complete } = await executor.withSession(async (session) => {
    await createRollup(session, names, shape, sql);
    return buildDays(session, sql, { from, lock, ...(onProgress && { onProgress }) });
  });
  if (from === null && complete) await executor.query(sql.completed, [shape.name]);
  return { days: done, durationMs: performance.now() - started };
}
