import { ListenerSafeEmitter } from '../../emitter.js';
import type { QueryCacheError } from '../../errors.js';
import { type DurationSummary, Durations } from '../../lifecycle/durations.js';
import { CursorCodec, cursorBinding } from '../cursor/codec.js';
import { toExecutor } from '../driver/executor.js';
import type { Executor, Session } from '../driver/types.js';
import { type EventFilters, resolveFilters } from '../read/filters.js';
import { type EventRow, toRecord } from '../read/records.js';
import { type QueryScope, resolveScope, type TenantScope } from '../read/scope.js';
import { eventsShape, type RollupDefinition, type RollupShape } from '../rollups/definition.js';
import { type AggregateKind, levelFor } from '../rollups/levels.js';
import { type RollupReadOptions, type RollupRow, readRollup } from '../rollups/query.js';
import { rollupAnswers, rollupSource, viewRollup } from '../rollups/read.js';
import { type TableNames, tableNames } from '../sql/names.js';
import {
  type AggregateSource,
  afterPosition,
  agentInteractionsSql,
  countsByTypeSql,
  errorStatsSql,
  eventConditions,
  listEventsSql,
  rawSource,
  SqlParameters,
  timeSeriesSql,
  withinTime,
} from '../sql/queries.js';
import { type SummaryKey, summariesSql } from '../sql/summaries.js';
import {
  type AgentInteraction,
  type ErrorStats,
  type ResolvedSeries,
  resolveSeries,
  reviveTimeSeries,
  type TimeSeriesOptions,
  type TimeSeriesPoint,
  type TypeCount,
  toAgentInteractions,
  toErrorStats,
  toTimeSeries,
  toTypeCounts,
  unknownZone,
} from './aggregates.js';
import { AggregateCache } from './cache/aggregate-cache.js';
import {
  type EventQueriesOptions,
  eventQueriesOptions,
  type ResolvedQueryOptions,
} from './options.js';
import { type EventPage, type PageOptions, resolvePage } from './page.js';
import {
  type AggregateSummary,
  resolveSummaryLimit,
  type SessionSummary,
  type SummaryPageOptions,
  toSummary,
} from './summaries.js';
import { pageWindows } from './windows.js';

/** What each cached aggregate reads of the built-in rollup. */
const LEVEL_KIND = {
  'counts-by-type': 'counts',
  'agent-interactions': 'agents',
  'error-stats': 'errors',
  'time-series': 'series',
} as const satisfies Record<string, AggregateKind>;

/** How far back {@link EventQueries.recentErrors} looks when `filters.from` is not given. */
export const RECENT_ERRORS_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Counters of an {@link EventQueries}, as returned by `metrics()`. Totals since it was made. */
export interface EventQueriesMetrics {
  /** Reads answered (a page, summaries or an aggregate), from the database or the cache. */
  readonly reads: number;
  /** Reads that failed in the database (input refused before any SQL runs is not counted). */
  readonly failedReads: number;
  /** How long the answered reads took, in milliseconds. */
  readonly readDurationMs: DurationSummary;
  /** Aggregates served from the cache store. */
  readonly cacheHits: number;
  /** Aggregates the database computed while a cache store is set (then stored). */
  readonly cacheMisses: number;
  /** Failures of the cache store, each also an `error` event. */
  readonly cacheErrors: number;
}

/** The events an {@link EventQueries} emits (eventemitter3). */
export interface EventQueriesEvents {
  /**
   * The cache store failed; the read it served was answered by the database. Nobody listening
   * makes the first one a process warning.
   */
  error: (error: QueryCacheError) => void;
}

/**
 * Reads events back: filtered, paginated and aggregated, always within a {@link QueryScope}
 * that is enforced in SQL. Invalid input is refused with a `ValidationError` naming the field
 * before any SQL runs. Aggregates are cached when a `cache` store is given; a failing store is an
 * `error` event, never a failed read.
 *
 * It holds nothing of its own (the host's `db` and `cache` stay the host's to end), so it has no
 * `close()`: drop it when done.
 */
export class EventQueries extends ListenerSafeEmitter<EventQueriesEvents> {
  readonly #executor: Executor;
  readonly #names: TableNames;
  readonly #options: ResolvedQueryOptions;
  readonly #cursors: CursorCodec;
  readonly #cache: AggregateCache;
  readonly #durations = new Durations();
  /** The built-in rollup. */
  readonly #events: RollupShape;
  #reads = 0;
  #failedReads = 0;

  /** Checks the options (a `ValidationError` naming the field); connects to nothing. */
  constructor(options: EventQueriesOptions) {
    super();
    const o = eventQueriesOptions.resolve(options);
    this.#options = o;
    this.#executor = toExecutor(o.db);
    this.#names = tableNames(o.schema);
    this.#events = eventsShape(this.#names);
    this.#cursors = new CursorCodec(o.cursorSecret);
    this.#cache = new AggregateCache(o.cache, o.cacheTtlMs, (error) => this.emit('error', error));
  }

  /** A snapshot of the counters. */
  metrics(): EventQueriesMetrics {
    const { hits, misses, errors } = this.#cache.counts;
    return {
      reads: this.#reads,
      failedReads: this.#failedReads,
      readDurationMs: this.#durations.snapshot(),
      cacheHits: hits,
      cacheMisses: misses,
      cacheErrors: errors,
    };
  }

  /**
   * One page of the scope's events matching `filters`, newest first unless `page.order` is
   * `asc`. Follow `nextCursor` for the next page: keyset paging, as fast on page 1000 as on
   * page 1, with no row skipped or repeated while new rows arrive.
   */
  async listEvents(
    scope: QueryScope,
    filters: EventFilters = {},
    page: PageOptions = {},
  ): Promise<EventPage> {
    const s = resolveScope(scope);
    const f = resolveFilters(filters);
    const { limit, offset, cursor, order } = resolvePage(page, this.#options);
    // The time range may move between pages (recentErrors' window follows the clock).
    const binding = cursorBinding(this.#names.schema, s, f, order);
    const position = cursor === null ? null : this.#cursors.decode(cursor, binding);
    const rows: EventRow[] = [];
    await this.#read(async () => {
      for (const window of pageWindows(order, offset, f, position, Date.now())) {
        const p = new SqlParameters();
        let where = eventConditions(p, s, f) + withinTime(p, window);
        if (position !== null) where += ` AND ${afterPosition(p, position, order)}`;
        const sql = listEventsSql(
          this.#names,
          where,
          order,
          p.add(limit + 1 - rows.length, 'int4'),
          p.add(offset, 'int8'),
        );
        rows.push(...(await this.#executor.query<EventRow>(sql, p.values)).rows);
        if (rows.length > limit) break;
      }
    });
    const last = rows.length > limit ? rows[limit - 1] : undefined;
    return {
      items: rows.slice(0, limit).map(toRecord),
      nextCursor: last
        ? this.#cursors.encode({ micros: last.position, id: last.id }, binding)
        : null,
    };
  }

  /** Events of one session: {@link EventQueries.listEvents} with `filters.sessionId`. */
  sessionEvents(
    scope: QueryScope,
    sessionId: string,
    filters: Omit<EventFilters, 'sessionId'> = {},
    page: PageOptions = {},
  ): Promise<EventPage> {
    return this.#narrowed(scope, filters, { sessionId }, page);
  }

  /** Events about one business object (a BOM, a chat): {@link EventQueries.listEvents} with `filters.aggregate`. */
  aggregateEvents(
    scope: QueryScope,
    aggregate: { readonly type: string; readonly id: string },
    filters: Omit<EventFilters, 'aggregate'> = {},
    page: PageOptions = {},
  ): Promise<EventPage> {
    return this.#narrowed(scope, filters, { aggregate }, page);
  }

  /** Events of one workflow run: {@link EventQueries.listEvents} with `filters.workflowId`. */
  workflowEvents(
    scope: QueryScope,
    workflowId: string,
    filters: Omit<EventFilters, 'workflowId'> = {},
    page: PageOptions = {},
  ): Promise<EventPage> {
    return this.#narrowed(scope, filters, { workflowId }, page);
  }

  /**
   * {@link listEvents} with `filters` and one filter more, once `filters` proved to be filters:
   * spread unchecked, a string or `null` would read without them, silently.
   */
  async #narrowed(
    scope: QueryScope,
    filters: unknown,
    narrower: EventFilters,
    page: PageOptions,
  ): Promise<EventPage> {
    resolveFilters(filters);
    return this.listEvents(scope, { ...(filters as EventFilters), ...narrower }, page);
  }

  /**
   * A tenant's errors (type `ERROR` in any case, or with an error code), newest first, from the
   * last 24 hours unless `filters.from` says otherwise. The scope must name the tenant.
   */
  async recentErrors(
    scope: TenantScope,
    filters: Omit<EventFilters, 'errorsOnly'> = {},
    page: PageOptions = {},
  ): Promise<EventPage> {
    resolveScope(scope, true);
    resolveFilters(filters);
    const from = filters.from ?? new Date(Date.now() - RECENT_ERRORS_WINDOW_MS);
    return this.listEvents(scope, { ...filters, from, errorsOnly: true }, page);
  }

  /**
   * The scope's sessions with events matching `filters`, the most recently active first, each
   * with its first and last time, events, errors and agents. Not cached: running sessions move.
   */
  sessions(
    scope: QueryScope,
    filters: EventFilters = {},
    page: SummaryPageOptions = {},
  ): Promise<SessionSummary[]> {
    return this.#summaries<{ sessionId: string }>('session', scope, filters, page);
  }

  /** The same as {@link EventQueries.sessions} for business objects (`aggregateType` + `aggregateId`). */
  aggregates(
    scope: QueryScope,
    filters: EventFilters = {},
    page: SummaryPageOptions = {},
  ): Promise<AggregateSummary[]> {
    return this.#summaries<{ aggregateType: string; aggregateId: string }>(
      'aggregate',
      scope,
      filters,
      page,
    );
  }

  async #summaries<K>(key: SummaryKey, scope: QueryScope, filters: EventFilters, page: unknown) {
    const s = resolveScope(scope);
    const f = resolveFilters(filters);
    const limit = resolveSummaryLimit(page, this.#options);
    const p = new SqlParameters();
    const where = eventConditions(p, s, f);
    const { rows } = await this.#read(() =>
      this.#executor.query<Parameters<typeof toSummary<K>>[0]>(
        summariesSql(this.#names, key, where, p.add(limit, 'int4')),
        p.values,
      ),
    );
    return rows.map(toSummary);
  }

  /** Events per type within the scope and filters, most frequent first. Cached. */
  countsByType(scope: QueryScope, filters: EventFilters = {}): Promise<TypeCount[]> {
    return this.#aggregate('counts-by-type', scope, filters, countsByTypeSql, toTypeCounts);
  }

  /** `AGENT_SWITCHED` and `DIRECT_AGENT_CALL` events per agent, busiest first. Cached. */
  agentInteractions(scope: QueryScope, filters: EventFilters = {}): Promise<AgentInteraction[]> {
    return this.#aggregate(
      'agent-interactions',
      scope,
      filters,
      agentInteractionsSql,
      toAgentInteractions,
    );
  }

  /** Errors by error code, by tool, and in total. Cached. */
  errorStats(scope: QueryScope, filters: EventFilters = {}): Promise<ErrorStats> {
    return this.#aggregate('error-stats', scope, filters, errorStatsSql, toErrorStats);
  }

  /**
   * Events per minute, hour or day from `filters.from` to `filters.to` (both required), with
   * empty buckets as 0; at most 10,000 buckets. Cached.
   */
  async timeSeries(
    scope: QueryScope,
    filters: EventFilters,
    series: TimeSeriesOptions,
  ): Promise<TimeSeriesPoint[]> {
    const checked = resolveSeries(series, resolveFilters(filters));
    const { bucket, timeZone } = checked;
    const sql = (source: AggregateSource, p: SqlParameters) =>
      timeSeriesSql(source, {
        unit: p.add(bucket, 'text'),
        step: p.add(`1 ${bucket}`, 'interval'),
        zone: p.add(timeZone, 'text'),
        from: p.add(checked.from, 'timestamptz'),
        to: p.add(checked.to, 'timestamptz'),
      });
    try {
      return await this.#aggregate(
        'time-series',
        scope,
        filters,
        sql,
        toTimeSeries,
        reviveTimeSeries,
        [bucket, timeZone],
        checked,
      );
    } catch (error) {
      throw unknownZone(error, timeZone);
    }
  }

  /**
   * Runs an aggregate whose SQL is `sql(source, parameters)` and maps its rows. When the rollups
   * are complete and answer the filters (see `RollupWorker`), the source is the rollups with the
   * raw rows they do not hold yet, exact at every read, and the cache is not used; else the raw
   * rows, or the mapped result from the cache. `extra` are the options beyond scope and
   * filters, `series` the checked range of a time series.
   */
  async #aggregate<R, T>(
    kind: keyof typeof LEVEL_KIND,
    scope: QueryScope,
    filters: EventFilters,
    sql: (source: AggregateSource, p: SqlParameters) => string,
    map: (rows: R[]) => T,
    revive?: (json: string) => T,
    extra: readonly unknown[] = [],
    series: ResolvedSeries | null = null,
  ): Promise<T> {
    const s = resolveScope(scope);
    const f = resolveFilters(filters);
    const raw = (session: Session) => async () => {
      const p = new SqlParameters();
      const text = sql(rawSource(this.#names, eventConditions(p, s, f)), p);
      return map((await session.query<R>(text, p.values)).rows);
    };
    const cached = (session: Session) =>
      this.#cache.through(
        session,
        kind,
        [this.#names.schema, s, f, ...extra],
        raw(session),
        revive,
      );
    if (!this.#options.rollups || !rollupAnswers(f)) {
      if (!this.#cache.enabled) return this.#read(raw(this.#executor));
      // One session for the visibility and the aggregate: they must see the same rows.
      return this.#read(() => this.#executor.withSession(cached));
    }
    return this.#read(() =>
      this.#executor.withSession(async (session) => {
        const view = await viewRollup(session, this.#names, this.#events, series);
        if (view === null) return this.#cache.enabled ? cached(session) : raw(session)();
        const p = new SqlParameters();
        const level = levelFor(this.#events.levels, LEVEL_KIND[kind], f);
        const text = sql(rollupSource(this.#names, this.#events, p, s, f, view, level), p);
        return map((await session.query<R>(text, p.values)).rows);
      }),
    );
  }

  /**
   * A custom rollup's events and sums for the scope, split by its dimensions (`options.by`)
   * and, with `options.bucket`, by hour or day: most events first. Read from the rollup plus the
   * raw rows it does not hold yet (exact, as the aggregates), or from the raw rows alone while
   * its `RollupWorker` has not built it. Not cached.
   */
  rollup(
    definition: RollupDefinition,
    scope: QueryScope,
    options: RollupReadOptions = {},
  ): Promise<RollupRow[]> {
    return this.#read(() =>
      this.#executor.withSession((session) =>
        readRollup(session, this.#names, definition, scope, options),
      ),
    );
  }

  /** Runs the database part of a read, counting it and its duration, or its failure. */
  async #read<T>(work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await work();
      this.#reads += 1;
      this.#durations.record(performance.now() - started);
      return result;
    } catch (error) {
      this.#failedReads += 1;
      throw error;
    }
  }
}
