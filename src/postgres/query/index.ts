export { MIN_CURSOR_SECRET_LENGTH } from '../cursor/codec.js';
export { type EventFilters, MAX_FILTER_TYPES, type TimeInput } from '../read/filters.js';
export type { QueryScope, TenantScope } from '../read/scope.js';
export {
  type AgentInteraction,
  type ErrorStats,
  MAX_SERIES_BUCKETS,
  type TimeBucket,
  type TimeSeriesOptions,
  type TimeSeriesPoint,
  type TypeCount,
} from './aggregates.js';
export type { CacheStore } from './cache/cache-store.js';
export {
  DEFAULT_MEMORY_CACHE_ENTRIES,
  MemoryCacheStore,
  type MemoryCacheStoreOptions,
} from './cache/memory-cache-store.js';
export {
  DEFAULT_REDIS_KEY_PREFIX,
  RedisCacheStore,
  type RedisCacheStoreOptions,
  type RedisClientLike,
} from './cache/redis-cache-store.js';
export {
  EventQueries,
  type EventQueriesEvents,
  type EventQueriesMetrics,
  RECENT_ERRORS_WINDOW_MS,
} from './event-queries.js';
export { DEFAULT_EVENT_QUERIES_OPTIONS, type EventQueriesOptions } from './options.js';
export type { EventPage, PageOptions } from './page.js';
export {
  type DisableRowLevelSecurityOptions,
  disableRowLevelSecurity,
  enableRowLevelSecurity,
  type RowLevelSecurityOptions,
  type WithTenantOptions,
  withTenant,
} from './rls.js';
export type {
  AggregateSummary,
  EventGroupStats,
  SessionSummary,
  SummaryPageOptions,
} from './summaries.js';
