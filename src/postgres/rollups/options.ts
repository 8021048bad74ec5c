import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { closeTimeoutSpec } from '../../lifecycle/close.js';
import { type LifecycleLog, logSpec } from '../../lifecycle/log.js';
import { defineOptions } from '../../options/schema.js';
import { integer, text } from '../../options/spec.js';
import { dbSpec } from '../driver/executor.js';
import type { PgDatabase } from '../driver/types.js';
import { schemaSpec } from '../sql/names.js';
import { type RollupDefinition, rollupDefinitionSpec } from './definition.js';

/** Options of {@link RollupWorker}. */
export interface RollupWorkerOptions {
  /**
   * A `pg` Pool (or a drizzle database on one): each step takes a connection for one short
   * transaction. Never closed.
   */
  readonly db: PgDatabase;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /**
   * The rollup to keep: one of `defineRollup`. A worker keeps one rollup; run one per rollup.
   * @default the built-in one (`event_rollups`), which `EventQueries`' aggregates read
   */
  readonly rollup?: RollupDefinition;
  /**
   * Most events folded in one transaction. A fold costs a fixed part per rollup row it updates
   * and a small part per event: the larger the batch, the more events of the same bucket and
   * dimensions share a row (at 5,000 a fold cost the server ~3× more per event than at 50,000).
   * @default 50000
   */
  readonly batchSize?: number;
  /**
   * How often the worker looks for events to fold, and how often a standby worker tries to take
   * the lease, in milliseconds. Reads are exact whatever it is: it only sets how many events a
   * read takes raw (those written since the last fold).
   * @default 1000
   */
  readonly pollIntervalMs?: number;
  /**
   * How long the worker's hold of the rollup lasts without renewal, in milliseconds: one worker
   * folds at a time, and a standby takes over this long after the active one died.
   * @default 10000
   */
  readonly leaseMs?: number;
  /** This worker's id as the lease's owner. @default '<hostname>:<pid>:<4 random hex bytes>' */
  readonly member?: string;
  /** The deadline of `close()` when the call gives none, in milliseconds. @default 10000 */
  readonly closeTimeoutMs?: number;
  /** Lifecycle messages (started, built, closed), e.g. a pino logger. @default none (silent) */
  readonly log?: LifecycleLog;
}

/** {@link RollupWorkerOptions} as a table of specs. @internal */
export const rollupWorkerOptions = defineOptions<RollupWorkerOptions>()('RollupWorkerOptions', {
  db: dbSpec(),
  schema: schemaSpec(),
  rollup: rollupDefinitionSpec(),
  batchSize: integer({ min: 1, max: 100_000 }).default(50_000),
  pollIntervalMs: integer({ min: 1 }).default(1000),
  leaseMs: integer({ min: 100 }).default(10_000),
  member: text({ maxLength: 200 }).optional("'<hostname>:<pid>:<4 random hex bytes>'"),
  closeTimeoutMs: closeTimeoutSpec(),
  log: logSpec(),
});

/** The worker's options, every one resolved. @internal */
export function resolveRollupWorkerOptions(options: RollupWorkerOptions) {
  const o = rollupWorkerOptions.resolve(options);
  return {
    ...o,
    member: o.member ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
  };
}

/** {@link resolveRollupWorkerOptions}'s result. @internal */
export type ResolvedRollupWorkerOptions = ReturnType<typeof resolveRollupWorkerOptions>;
