import { ValidationError } from '../errors.js';
import type { TimeBucket } from '../postgres/query/aggregates.js';
import type { PageOptions } from '../postgres/query/page.js';
import type { EventFilters } from '../postgres/read/filters.js';
import type { SubscribeFrom } from '../postgres/stream/options.js';

/** Query parameters of the events routes, with the filter or page option each sets. */
const LIST_PARAMS = new Set([
  'type',
  'agentId',
  'sessionId',
  'aggregateType',
  'aggregateId',
  'workflowId',
  'errorCode',
  'toolName',
  'traceId',
  'errorsOnly',
  'from',
  'to',
  'limit',
  'offset',
  'cursor',
  'order',
]);
const ANALYTICS_PARAMS = new Set(['from', 'to', 'bucket', 'timeZone']);
const BUCKETS: readonly TimeBucket[] = ['minute', 'hour', 'day'];

function refuseUnknown(params: URLSearchParams, known: ReadonlySet<string>, omit = ''): void {
  for (const name of params.keys()) {
    if (!known.has(name) || name === omit) {
      throw new ValidationError(name, 'VALIDATION_RANGE', 'is not a parameter of this route');
    }
  }
}

function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name);
  if (values.length > 1) throw new ValidationError(name, 'VALIDATION_RANGE', 'may be given once');
  return values[0];
}

function integer(params: URLSearchParams, name: string): number | undefined {
  const text = single(params, name);
  if (text === undefined) return undefined;
  if (!/^\d{1,9}$/.test(text)) {
    throw new ValidationError(name, 'VALIDATION_TYPE', 'must be a non-negative integer');
  }
  return Number(text);
}

/**
 * An ISO 8601 date (UTC midnight) or date-time with its offset: `2026-11-23`,
 * `2026-11-23T10:00:00Z`, `2026-11-23T13:00:00.123+03:00`. Without an offset a date-time would be
 * read in the server's own time zone, so it is refused like any other form `Date` happens to parse.
 */
const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** Whether the date part of `text` names the day `date` falls on at the offset `text` gives. */
function sameCalendarDate(text: string, date: Date): boolean {
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(text);
  const minutes = offset
    ? (offset[1] === '-' ? -1 : 1) * (Number(offset[2]) * 60 + Number(offset[3]))
    : 0;
  return (
    new Date(date.getTime() + minutes * 60_000).toISOString().slice(0, 10) === text.slice(0, 10)
  );
}

function time(params: URLSearchParams, name: string): Date | undefined {
  const text = single(params, name);
  if (text === undefined) return undefined;
  const date = ISO_8601.test(text) ? new Date(text) : undefined;
  // Date rolls 2026-02-30 over to March 2; a real calendar date survives the round trip.
  if (date === undefined || Number.isNaN(date.getTime()) || !sameCalendarDate(text, date)) {
    throw new ValidationError(
      name,
      'VALIDATION_TYPE',
      'must be an ISO 8601 date (2026-11-23) or date-time with an offset (2026-11-23T10:00:00Z)',
    );
  }
  return date;
}

/**
 * Filters and page of `GET .../events` from its query string. `type` may repeat or list types
 * separated by commas. Values are checked here only for their form; the query module checks them
 * for their meaning (limits, lengths). @internal
 */
export function listParams(
  params: URLSearchParams,
  omit?: 'sessionId',
): { filters: EventFilters; page: PageOptions } {
  refuseUnknown(params, LIST_PARAMS, omit);
  const types = params
    .getAll('type')
    .flatMap((t) => t.split(','))
    .filter((t) => t.length > 0);
  const aggregateType = single(params, 'aggregateType');
  const aggregateId = single(params, 'aggregateId');
  if ((aggregateType === undefined) !== (aggregateId === undefined)) {
    throw new ValidationError('aggregateId', 'VALIDATION_REQUIRED', 'goes with aggregateType');
  }
  const errorsOnly = single(params, 'errorsOnly');
  if (errorsOnly !== undefined && errorsOnly !== 'true' && errorsOnly !== 'false') {
    throw new ValidationError('errorsOnly', 'VALIDATION_TYPE', "must be 'true' or 'false'");
  }
  const filters: Record<string, unknown> = {
    types: types.length > 0 ? types : undefined,
    aggregate: aggregateType === undefined ? undefined : { type: aggregateType, id: aggregateId },
    errorsOnly: errorsOnly === undefined ? undefined : errorsOnly === 'true',
    from: time(params, 'from'),
    to: time(params, 'to'),
  };
  for (const name of ['agentId', 'sessionId', 'workflowId', 'errorCode', 'toolName', 'traceId']) {
    filters[name] = single(params, name);
  }
  const page: Record<string, unknown> = {
    limit: integer(params, 'limit'),
    offset: integer(params, 'offset'),
    cursor: single(params, 'cursor'),
    order: single(params, 'order'),
  };
  return { filters: defined(filters) as EventFilters, page: defined(page) as PageOptions };
}

/** Range and series of `GET .../analytics`. @internal */
export function analyticsParams(params: URLSearchParams): {
  filters: EventFilters;
  bucket: TimeBucket | undefined;
  timeZone: string | undefined;
} {
  refuseUnknown(params, ANALYTICS_PARAMS);
  const bucket = single(params, 'bucket');
  if (bucket !== undefined && !BUCKETS.includes(bucket as TimeBucket)) {
    throw new ValidationError('bucket', 'VALIDATION_RANGE', `must be one of ${BUCKETS.join(', ')}`);
  }
  const filters = defined({ from: time(params, 'from'), to: time(params, 'to') }) as EventFilters;
  if (bucket !== undefined && (filters.from === undefined || filters.to === undefined)) {
    throw new ValidationError('bucket', 'VALIDATION_REQUIRED', 'needs from and to');
  }
  const timeZone = single(params, 'timeZone');
  if (timeZone !== undefined && bucket === undefined) {
    throw new ValidationError('timeZone', 'VALIDATION_REQUIRED', 'applies only with bucket');
  }
  return {
    filters,
    bucket: bucket as TimeBucket | undefined,
    timeZone,
  };
}

function defined(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

const PAGE_PARAMS = ['limit', 'offset', 'cursor', 'order'];

/** What a `from` that is a time starts with (a cursor never does). */
const A_TIME = /^\d{4}-/;

/**
 * Filters and start of `GET .../events/stream`: the list route's filters but `from`, which here
 * says where the stream starts: `start`, `now`, an ISO 8601 time (as the list route's `from`),
 * or a cursor (of the stream, or an ascending list page's `nextCursor`). @internal
 */
export function streamParams(params: URLSearchParams): {
  filters: EventFilters;
  from: SubscribeFrom | undefined;
} {
  const rest = new URLSearchParams(params);
  rest.delete('from');
  for (const name of PAGE_PARAMS) {
    if (rest.has(name)) {
      throw new ValidationError(name, 'VALIDATION_RANGE', 'is not a parameter of this route');
    }
  }
  const from = single(params, 'from');
  return {
    filters: listParams(rest).filters,
    from: from !== undefined && A_TIME.test(from) ? time(params, 'from') : from,
  };
}
