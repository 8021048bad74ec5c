import { defineOptions } from '../../../options/schema.js';
import { integer } from '../../../options/spec.js';
import type { CacheStore } from './cache-store.js';

/** Options of {@link MemoryCacheStore}. */
export interface MemoryCacheStoreOptions {
  /** Entries kept at most; the least recently used one is evicted first. @default 1000 */
  readonly maxEntries?: number;
}

/** The default of {@link MemoryCacheStoreOptions.maxEntries}. */
export const DEFAULT_MEMORY_CACHE_ENTRIES = 1000;

const memoryCacheStoreOptions = defineOptions<MemoryCacheStoreOptions>()(
  'MemoryCacheStoreOptions',
  { maxEntries: integer({ min: 1 }).default(DEFAULT_MEMORY_CACHE_ENTRIES) },
);

interface Entry {
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * A bounded cache in this process's memory. Expired entries are dropped when read; when the
 * cache is full, the least recently used entry goes, expired or not. It starts no timer. Each process has
 * its own: use {@link RedisCacheStore} to share results between processes.
 */
export class MemoryCacheStore implements CacheStore {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;

  constructor(options?: MemoryCacheStoreOptions) {
    this.#maxEntries = memoryCacheStoreOptions.resolve(options).maxEntries;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= Date.now()) return undefined;
    this.#entries.set(key, entry); // most recently used now
    return entry.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) break;
      this.#entries.delete(oldest);
    }
  }
}
