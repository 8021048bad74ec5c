import { ValidationError } from '../../../errors.js';
import { defineOptions } from '../../../options/schema.js';
import { custom } from '../../../options/spec.js';
import type { CacheStore } from './cache-store.js';

/**
 * The two commands of an ioredis client (`new Redis(...)`, a Cluster too) that the store uses,
 * declared structurally so that eventrail does not load ioredis itself.
 */
export interface RedisClientLike {
  /** Reads a key: its value, or null. */
  get(key: string): Promise<string | null>;
  /** Writes a key that expires after `ttlMs` milliseconds. */
  set(key: string, value: string, mode: 'PX', ttlMs: number): Promise<unknown>;
}

/** Options of {@link RedisCacheStore}. */
export interface RedisCacheStoreOptions {
  /** An ioredis client, owned by the host: the store never connects or quits it. */
  readonly client: RedisClientLike;
  /** Put before every key, to share a Redis database with other data. @default 'eventrail:' */
  readonly keyPrefix?: string;
}

/** The default of {@link RedisCacheStoreOptions.keyPrefix}. */
export const DEFAULT_REDIS_KEY_PREFIX = 'eventrail:';

const CLIENT = 'an ioredis client (get and set methods)';

const redisCacheStoreOptions = defineOptions<RedisCacheStoreOptions>()('RedisCacheStoreOptions', {
  client: custom(CLIENT, (value, field) => {
    const client = value as Partial<RedisClientLike> | null;
    if (typeof client?.get !== 'function' || typeof client.set !== 'function') {
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${CLIENT}`);
    }
    return client as RedisClientLike;
  }),
  keyPrefix: custom('a string (may be empty)', (value, field) => {
    if (typeof value !== 'string') {
      throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a string');
    }
    return value;
  }).default(DEFAULT_REDIS_KEY_PREFIX),
});

/**
 * Keeps aggregate results in Redis (`SET key value PX ttl`), shared by every process of the
 * host; Redis expires them. ioredis is an optional peer dependency of eventrail.
 */
export class RedisCacheStore implements CacheStore {
  readonly #client: RedisClientLike;
  readonly #prefix: string;

  constructor(options: RedisCacheStoreOptions) {
    const { client, keyPrefix } = redisCacheStoreOptions.resolve(options);
    this.#client = client;
    this.#prefix = keyPrefix;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.#client.get(this.#prefix + key)) ?? undefined;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.#client.set(this.#prefix + key, value, 'PX', ttlMs);
  }
}
