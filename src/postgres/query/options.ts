import { ValidationError } from '../../errors.js';
import { defineOptions } from '../../options/schema.js';
import { boolean, custom, integer } from '../../options/spec.js';
import { cursorSecretSpec } from '../cursor/codec.js';
import { dbSpec } from '../driver/executor.js';
import type { PgDatabase } from '../driver/types.js';
import { schemaSpec } from '../sql/names.js';
import type { CacheStore } from './cache/cache-store.js';

/** Options of {@link EventQueries}. */
export interface EventQueriesOptions {
  /** A `pg` Pool (recommended) or Client, a PGlite instance, or a drizzle database. Never closed. */
  readonly db: PgDatabase;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /**
   * Page size when a read gives none; at most `maxLimit` (lowered to it when only `maxLimit` is
   * given below it). @default 50
   */
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
  /**
   * Where aggregate results are cached (in memory, Redis, ...). A failing store never fails a
   * read: the database answers, and the store's error is an `error` event.
   * @default none: no caching
   */
  readonly cache?: CacheStore;
  /** How long a cached aggregate is served, in milliseconds. @default 300000 (5 minutes) */
  readonly cacheTtlMs?: number;
  /**
   * Answer aggregates from the rollups once a `RollupWorker` has built them: exact at every
   * read (the rows not folded in yet are read raw) and not cached. Filters on a session,
   * business object, workflow or trace are always read raw. `false` reads raw rows always.
   * @default true
   */
  readonly rollups?: boolean;
}

const CACHE_STORE = 'a CacheStore (an object with get and set methods)';

/** {@link EventQueriesOptions} as a table of specs. @internal */
export const eventQueriesOptions = defineOptions<EventQueriesOptions>()(
  'EventQueriesOptions',
  {
    db: dbSpec(),
    schema: schemaSpec(),
    defaultLimit: integer({ min: 1 }).default(50),
    maxLimit: integer({ min: 1 }).default(500),
    cursorSecret: cursorSecretSpec(),
    cache: custom(CACHE_STORE, (value, field) => {
      const cache = value as Partial<CacheStore> | null;
      if (typeof cache?.get !== 'function' || typeof cache.set !== 'function') {
        throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${CACHE_STORE}`);
      }
      return cache as CacheStore;
    }).optional('none: no caching'),
    cacheTtlMs: integer({ min: 1 }).default(300_000, '300000 (5 minutes)'),
    rollups: boolean().default(true),
  },
  (resolved, given, field) => {
    if (resolved.defaultLimit <= resolved.maxLimit) return resolved;
    if (given.defaultLimit === undefined) return { ...resolved, defaultLimit: resolved.maxLimit };
    throw new ValidationError(
      `${field}.defaultLimit`,
      'VALIDATION_RANGE',
      'must be at most maxLimit',
    );
  },
);

/** Resolved {@link EventQueriesOptions}. @internal */
export type ResolvedQueryOptions = ReturnType<typeof eventQueriesOptions.resolve>;

/** The defaults of {@link EventQueriesOptions}. */
export const DEFAULT_EVENT_QUERIES_OPTIONS = Object.freeze(
  eventQueriesOptions.defaults,
) as Readonly<{
  /** The default `schema`. */
  schema: string;
  /** The default `defaultLimit`. */
  defaultLimit: number;
  /** The default `maxLimit`. */
  maxLimit: number;
  /** The default `cacheTtlMs`. */
  cacheTtlMs: number;
  /** The default `rollups`. */
  rollups: boolean;
}>;
