/**
 * Where a query object keeps aggregate results between reads. Values are JSON text; keys are
 * made by eventrail (a hash of the scope and every parameter of the read). Implement it over any
 * store with expiry; {@link MemoryCacheStore} and {@link RedisCacheStore} ship with eventrail.
 */
export interface CacheStore {
  /** The value stored under `key`, or `undefined` when there is none or it has expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores `value` under `key` for `ttlMs` milliseconds, replacing any previous value. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
}
