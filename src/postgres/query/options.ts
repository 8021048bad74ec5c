import { ValidationError } from '../../errors.js';
import { numberOption } from '../../options/validate.js';
import type { PgDatabase } from '../driver/types.js';
import type { CacheStore } from './cache/cache-store.js';

/** Options of {@link EventQueries}. */
export interface EventQueriesOptions {
  /** A `pg` Pool (recommended) or Client, a PGlite instance, or a drizzle database. Never closed. */
  readonly db: PgDatabase;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /** Page size when a read gives none. @default 50 */
  readonly defaultLimit?: number;
  /** Largest page size a read may ask for; a larger `limit` is refused. @default 500 */
  readonly maxLimit?: number;
  /**
   * Secret that signs cursors (HMAC-SHA256), at least 16 bytes. **Set a stable one in
   * production**, the same in every process: without it each process makes a random secret
   * at first use, and its cursors fail (ValidationError) in any other process or after a restart.
   * @default a random secret per process
   */
  readonly cursorSecret?: string | Uint8Array;
  /** Where aggregate results are cached (in memory, Redis, ...). @default none: no caching */
  readonly cache?: CacheStore;
  /** How long a cached aggregate is served, in milliseconds. @default 300000 (5 minutes) */
  readonly cacheTtlMs?: number;
  /**
   * Receives errors of the cache store. Reads never fail because of the cache: the database
   * answers instead. @default errors are ignored
   */
  readonly onCacheError?: (error: unknown) => void;
}

/** The defaults of {@link EventQueriesOptions}. */
export const DEFAULT_QUERY_OPTIONS = Object.freeze({
  defaultLimit: 50,
  maxLimit: 500,
  cacheTtlMs: 5 * 60 * 1000,
});

/** @internal */
export interface ResolvedQueryOptions {
  readonly defaultLimit: number;
  readonly maxLimit: number;
  readonly cacheTtlMs: number;
}

/** Checks the numeric options; the rest are checked where they are used. @internal */
export function resolveQueryOptions(options: EventQueriesOptions): ResolvedQueryOptions {
  const maxLimit = numberOption(options.maxLimit, 'maxLimit', DEFAULT_QUERY_OPTIONS.maxLimit, {
    min: 1,
  });
  const defaultLimit = numberOption(
    options.defaultLimit,
    'defaultLimit',
    Math.min(DEFAULT_QUERY_OPTIONS.defaultLimit, maxLimit),
    { min: 1 },
  );
  if (defaultLimit > maxLimit) {
    throw new ValidationError('options.defaultLimit', 'VALIDATION_RANGE', 'must be <= maxLimit');
  }
  const cache = options.cache;
  if (
    cache !== undefined &&
    (typeof cache?.get !== 'function' || typeof cache.set !== 'function')
  ) {
    throw new ValidationError('options.cache', 'VALIDATION_TYPE', 'must be a CacheStore');
  }
  if (options.onCacheError !== undefined && typeof options.onCacheError !== 'function') {
    throw new ValidationError('options.onCacheError', 'VALIDATION_TYPE', 'must be a function');
  }
  return {
    defaultLimit,
    maxLimit,
    cacheTtlMs: numberOption(options.cacheTtlMs, 'cacheTtlMs', DEFAULT_QUERY_OPTIONS.cacheTtlMs, {
      min: 1,
    }),
  };
}
