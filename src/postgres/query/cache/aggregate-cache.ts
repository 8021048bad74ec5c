import { createHash } from 'node:crypto';
import type { CacheStore } from './cache-store.js';

/** Bumped when the shape of a cached result changes, so old entries are never read back. */
const KEY_VERSION = 'v1';

/**
 * Read-through cache of aggregate results. The key is the kind of aggregate and a SHA-256 of
 * everything that defines the read (schema, the full scope, every filter and option), so two
 * reads share an entry only when they would run the same SQL with the same values. A failing
 * store never fails a read: the database answers and the error goes to `onError`. @internal
 */
export class AggregateCache {
  readonly #store: CacheStore | undefined;
  readonly #ttlMs: number;
  readonly #onError: (error: unknown) => void;

  constructor(
    store: CacheStore | undefined,
    ttlMs: number,
    onError: ((error: unknown) => void) | undefined,
  ) {
    this.#store = store;
    this.#ttlMs = ttlMs;
    this.#onError = onError ?? (() => {});
  }

  /** The cache key of an aggregate read; `parts` must be JSON-serializable. */
  static key(kind: string, parts: unknown): string {
    const hash = createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
    return `${KEY_VERSION}:${kind}:${hash}`;
  }

  /**
   * The cached result under `key`, or `compute()`'s, which is then stored. `revive` turns the
   * stored JSON back into the result (Dates, for instance).
   */
  async through<T>(
    key: string,
    compute: () => Promise<T>,
    revive: (json: string) => T = (json) => JSON.parse(json) as T,
  ): Promise<T> {
    const store = this.#store;
    if (store === undefined) return compute();
    let hit: string | undefined;
    try {
      hit = await store.get(key);
    } catch (error) {
      this.#onError(error);
    }
    if (hit !== undefined) {
      try {
        return revive(hit);
      } catch (error) {
        this.#onError(error); // an entry that does not parse is a miss
      }
    }
    const result = await compute();
    try {
      await store.set(key, JSON.stringify(result), this.#ttlMs);
    } catch (error) {
      this.#onError(error);
    }
    return result;
  }
}
