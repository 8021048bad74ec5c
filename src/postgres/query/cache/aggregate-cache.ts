import { createHash } from 'node:crypto';
import { QueryCacheError, type QueryCacheOperation } from '../../../errors.js';
import type { Session } from '../../driver/types.js';
import type { CacheStore } from './cache-store.js';
import { ReadVisibility } from './visibility.js';

/** Bumped when the shape of a cached result changes, so old entries are never read back. */
const KEY_VERSION = 'v2';

/**
 * Read-through cache of aggregate results. The key is the kind of aggregate and a SHA-256 of
 * everything that decides the result: what the session can see ({@link ReadVisibility}: the
 * database, the role, the row-level security tenant) and what the read asks (schema, the full
 * scope, every filter and option). Two reads share an entry only when they would run the same
 * SQL with the same values against the same rows. A failing store never fails a read: the
 * database answers and the error goes to `onError` as a {@link QueryCacheError}. @internal
 */
export class AggregateCache {
  readonly #store: CacheStore | undefined;
  readonly #ttlMs: number;
  readonly #onError: (error: QueryCacheError) => void;
  readonly #visibility = new ReadVisibility();
  /** Reads served from the store, computed by the database, and store failures. */
  readonly counts = { hits: 0, misses: 0, errors: 0 };

  constructor(
    store: CacheStore | undefined,
    ttlMs: number,
    onError: (error: QueryCacheError) => void,
  ) {
    this.#store = store;
    this.#ttlMs = ttlMs;
    this.#onError = onError;
  }

  /** Whether there is a store; without one, {@link through} always computes. */
  get enabled(): boolean {
    return this.#store !== undefined;
  }

  /** The cache key of an aggregate read; `parts` must be JSON-serializable. */
  static key(kind: string, parts: unknown): string {
    const hash = createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
    return `${KEY_VERSION}:${kind}:${hash}`;
  }

  /**
   * The cached result of the `kind` read that `parts` describe, as seen from `session`, or
   * `compute()`'s (which must run on `session`), which is then stored. `revive` turns the
   * stored JSON back into the result (Dates, for instance).
   */
  async through<T>(
    session: Session,
    kind: string,
    parts: unknown,
    compute: () => Promise<T>,
    revive: (json: string) => T = (json) => JSON.parse(json) as T,
  ): Promise<T> {
    const store = this.#store;
    if (store === undefined) return compute();
    const key = AggregateCache.key(kind, [await this.#visibility.of(session), parts]);
    let hit: string | undefined;
    try {
      hit = await store.get(key);
    } catch (error) {
      this.#fail('get', error);
    }
    if (hit !== undefined) {
      try {
        const result = revive(hit);
        this.counts.hits += 1;
        return result;
      } catch (error) {
        this.#fail('parse', error); // an entry that does not parse is a miss
      }
    }
    const result = await compute();
    this.counts.misses += 1;
    try {
      await store.set(key, JSON.stringify(result), this.#ttlMs);
    } catch (error) {
      this.#fail('set', error);
    }
    return result;
  }

  #fail(operation: QueryCacheOperation, cause: unknown): void {
    this.counts.errors += 1;
    this.#onError(new QueryCacheError(operation, cause));
  }
}
