import { ValidationError } from '../../errors.js';
import { defineOptions } from '../../options/schema.js';
import { custom, oneOf } from '../../options/spec.js';
import type { ResolvedFilters } from '../read/filters.js';

/** How many events of one type. */
export interface TypeCount {
  /** The event type. */
  readonly type: string;
  /** Events of that type. */
  readonly count: number;
}

/** Agent switches (`AGENT_SWITCHED`) and direct calls (`DIRECT_AGENT_CALL`) of one agent. */
export interface AgentInteraction {
  /** The agent. */
  readonly agentId: string;
  /** `AGENT_SWITCHED` events of the agent. */
  readonly switches: number;
  /** `DIRECT_AGENT_CALL` events of the agent. */
  readonly directCalls: number;
}

/** Errors (type `ERROR` in any case, or with an error code) counted three ways. */
export interface ErrorStats {
  /** All errors. */
  readonly total: number;
  /** Per error code, most frequent first; `errorCode: null` counts errors without a code. */
  readonly byCode: readonly {
    /** The error code, or null. */
    readonly errorCode: string | null;
    /** Errors with that code. */
    readonly count: number;
  }[];
  /** Per tool, most frequent first; `toolName: null` counts errors without a tool. */
  readonly byTool: readonly {
    /** The tool, or null. */
    readonly toolName: string | null;
    /** Errors of that tool. */
    readonly count: number;
  }[];
}

/** One bucket of a time series: events created from `start` until the next bucket's start. */
export interface TimeSeriesPoint {
  /** The bucket's start. */
  readonly start: Date;
  /** Events created in the bucket. */
  readonly count: number;
}

/** The width of a time series bucket. */
export type TimeBucket = 'minute' | 'hour' | 'day';

/** How a time series is cut. */
export interface TimeSeriesOptions {
  /** Bucket width. */
  readonly bucket: TimeBucket;
  /** IANA time zone whose minutes, hours and days the buckets follow. @default 'UTC' */
  readonly timeZone?: string;
}

/** The most buckets one time series may have. */
export const MAX_SERIES_BUCKETS = 10_000;

const BUCKET_MS: Record<TimeBucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** A checked series request with its range. @internal */
export interface ResolvedSeries {
  readonly bucket: TimeBucket;
  readonly timeZone: string;
  readonly from: Date;
  readonly to: Date;
}

const BUCKETS = Object.keys(BUCKET_MS) as TimeBucket[];

/** {@link TimeSeriesOptions} as a table of specs. @internal */
export const timeSeriesOptions = defineOptions<TimeSeriesOptions>()('TimeSeriesOptions', {
  bucket: oneOf(BUCKETS),
  timeZone: custom('an IANA time zone', (value, field) => {
    if (typeof value !== 'string') {
      throw new ValidationError(field, 'VALIDATION_TYPE', 'must be an IANA time zone');
    }
    try {
      new Intl.DateTimeFormat('en', { timeZone: value });
    } catch {
      throw new ValidationError(field, 'VALIDATION_RANGE', 'must be an IANA time zone');
    }
    return value;
  }).default('UTC'),
});

/** Checks a time series request; the range is `filters.from` (required) to `filters.to` (required). @internal */
export function resolveSeries(series: unknown, filters: ResolvedFilters): ResolvedSeries {
  const { bucket, timeZone } = timeSeriesOptions.resolve(series, 'series');
  const { from, to } = filters;
  if (from === null) {
    throw new ValidationError('filters.from', 'VALIDATION_REQUIRED', 'a time series needs a range');
  }
  if (to === null) {
    throw new ValidationError('filters.to', 'VALIDATION_REQUIRED', 'a time series needs a range');
  }
  const buckets = Math.ceil((to.getTime() - from.getTime()) / BUCKET_MS[bucket]) + 1;
  if (buckets > MAX_SERIES_BUCKETS) {
    throw new ValidationError(
      'series.bucket',
      'VALIDATION_RANGE',
      `makes about ${buckets} buckets over this range; at most ${MAX_SERIES_BUCKETS}`,
    );
  }
  return { bucket, timeZone, from, to };
}

/**
 * `error` as a ValidationError naming `series.timeZone` when it is Postgres refusing the zone
 * (SQLSTATE 22023, "time zone ... not recognized": Node and Postgres ship different zone lists,
 * so a zone Node accepts may still be unknown to the server); otherwise `error` itself. @internal
 */
export function unknownZone(error: unknown, timeZone: string): unknown {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== '22023' || typeof message !== 'string' || !message.includes('time zone')) {
    return error;
  }
  return new ValidationError(
    'series.timeZone',
    'VALIDATION_RANGE',
    `"${timeZone}" is unknown to the database`,
    {
      cause: error,
    },
  );
}

type Count = number | string | bigint;

/** @internal */
export function toTypeCounts(rows: { type: string; count: Count }[]): TypeCount[] {
  return rows.map((r) => ({ type: r.type, count: Number(r.count) }));
}

/** @internal */
export function toAgentInteractions(
  rows: { agentId: string; switches: Count; directCalls: Count }[],
): AgentInteraction[] {
  return rows.map((r) => ({
    agentId: r.agentId,
    switches: Number(r.switches),
    directCalls: Number(r.directCalls),
  }));
}

/** Splits the GROUPING SETS rows of `errorStatsSql`. @internal */
export function toErrorStats(
  rows: { errorCode: string | null; toolName: string | null; grouping: Count; count: Count }[],
): ErrorStats {
  const pick = (grouping: number) => rows.filter((r) => Number(r.grouping) === grouping);
  return {
    total: Number(pick(3)[0]?.count ?? 0),
    byCode: pick(1).map((r) => ({ errorCode: r.errorCode, count: Number(r.count) })),
    byTool: pick(2).map((r) => ({ toolName: r.toolName, count: Number(r.count) })),
  };
}

/** @internal */
export function toTimeSeries(rows: { start: Date; count: Count }[]): TimeSeriesPoint[] {
  return rows.map((r) => ({ start: r.start, count: Number(r.count) }));
}

/** Turns a cached time series (JSON) back into points with Dates. @internal */
export function reviveTimeSeries(json: string): TimeSeriesPoint[] {
  return (JSON.parse(json) as { start: string; count: number }[]).map((p) => ({
    start: new Date(p.start),
    count: p.count,
  }));
}
