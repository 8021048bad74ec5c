import { booleanOption, numberOption } from '../../options/validate.js';
import type { PgDatabase } from '../driver/types.js';

/** Options of {@link EventStream}. */
export interface EventStreamOptions {
  /**
   * A `pg` Pool (recommended: one of its connections LISTENs, for all subscribers), a `pg`
   * Client or a PGlite instance, or a drizzle database on one of them. Never closed.
   */
  readonly db: PgDatabase;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /**
   * Secret that signs cursors, as `EventQueries.cursorSecret`: give both the same one, so that a
   * list read's `nextCursor` starts a stream. @default a random secret per process
   */
  readonly cursorSecret?: string | Uint8Array;
  /**
   * Events one subscriber may have waiting, read but not yet taken. One that falls further
   * behind is ended with a `SubscriberLaggedError`. @default 1000
   */
  readonly bufferSize?: number;
  /** Rows per read, of the shared reader and of a subscriber's history. @default 500 */
  readonly batchSize?: number;
  /**
   * Wake on NOTIFY over one connection of the pool, for all subscribers (reconnected with
   * backoff when lost). Without it (or with a single Client) only polling finds new rows.
   * With a pool, the shared read runs on that connection too, prepared, always with the one
   * plan that walks each partition's index (not planned again at every read over every
   * partition); while it is down, polls read through the pool, planned each time. Behind a
   * proxy that pools by transaction, which supports neither, set `listen: false`.
   * @default true
   */
  readonly listen?: boolean;
  /**
   * Milliseconds between reads when nothing wakes the reader: the safety net for a lost NOTIFY.
   * @default 1000
   */
  readonly pollIntervalMs?: number;
}

/** The defaults of {@link EventStreamOptions}. */
export const DEFAULT_EVENT_STREAM_OPTIONS = Object.freeze({
  bufferSize: 1000,
  batchSize: 500,
  listen: true,
  pollIntervalMs: 1000,
});

/** @internal */
export interface ResolvedStreamOptions {
  readonly bufferSize: number;
  readonly batchSize: number;
  readonly listen: boolean;
  readonly pollIntervalMs: number;
}

/** Checks the options over the defaults. @internal */
export function resolveStreamOptions(options: EventStreamOptions): ResolvedStreamOptions {
  const d = DEFAULT_EVENT_STREAM_OPTIONS;
  return {
    bufferSize: numberOption(options.bufferSize, 'bufferSize', d.bufferSize, { min: 1 }),
    batchSize: numberOption(options.batchSize, 'batchSize', d.batchSize, { min: 1 }),
    listen: booleanOption(options.listen, 'listen', d.listen),
    pollIntervalMs: numberOption(options.pollIntervalMs, 'pollIntervalMs', d.pollIntervalMs, {
      min: 1,
    }),
  };
}
