import type { ResolvedFilters } from '../read/filters.js';
import type { ResolvedScope } from '../read/scope.js';
import type { TableNames } from './names.js';

/**
 * Collects the values of one statement as numbered parameters; every value a caller gave goes
 * through here, never into the SQL text. @internal
 */
export class SqlParameters {
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder, cast to `type`: `$3::text`. */
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

/** Newest first (`desc`) or oldest first (`asc`), by `created_at` then `id`. */
export type SortOrder = 'desc' | 'asc';

/** Where a keyset page starts: after this row. @internal */
export interface KeysetPosition {
  /** `created_at` of the row in microseconds since the epoch, as a decimal string. */
  readonly micros: string;
  readonly id: string;
}

/** The rows eventrail treats as errors: type `ERROR` in any case, or an error code. @internal */
export const IS_ERROR = `(error_code IS NOT NULL OR upper(event_type) = 'ERROR')`;

/**
 * The scope and filters as SQL conditions joined by AND. The scope comes first and is never
 * optional: `user_id = $1` is in every statement built here. @internal
 */
export function eventConditions(
  p: SqlParameters,
  scope: ResolvedScope,
  filters: ResolvedFilters,
): string {
  const where = [`user_id = ${p.add(scope.userId, 'text')}`];
  if (scope.projectId !== null) where.push(`project_id = ${p.add(scope.projectId, 'text')}`);
  if (scope.tenantId !== null) where.push(`tenant_id = ${p.add(scope.tenantId, 'text')}`);
  const rest = filterConditions(p, filters);
  return rest === TRUE ? where.join(' AND ') : `${where.join(' AND ')} AND ${rest}`;
}

/** A condition that holds for every row. */
const TRUE = 'true';

/**
 * The filters alone as SQL (`true` when there are none): for readers of every scope (a durable
 * consumer, a replay). @internal
 */
export function filterConditions(p: SqlParameters, filters: ResolvedFilters): string {
  const where: string[] = [];
  const equal = (column: string, value: string | null) => {
    if (value !== null) where.push(`${column} = ${p.add(value, 'text')}`);
  };
  if (filters.types) where.push(`event_type = ANY(${p.add(filters.types, 'text[]')})`);
  equal('agent_id', filters.agentId);
  equal('session_id', filters.sessionId);
  equal('aggregate_type', filters.aggregateType);
  equal('aggregate_id', filters.aggregateId);
  equal('workflow_id', filters.workflowId);
  equal('error_code', filters.errorCode);
  equal('tool_name', filters.toolName);
  equal('trace_id', filters.traceId);
  if (filters.errorsOnly) where.push(IS_ERROR);
  if (filters.from) where.push(`created_at >= ${p.add(filters.from, 'timestamptz')}`);
  if (filters.to) where.push(`created_at < ${p.add(filters.to, 'timestamptz')}`);
  return where.length === 0 ? TRUE : where.join(' AND ');
}

/**
 * Rows strictly after `position` in `order`: the keyset condition of a cursor. The plain bound on
 * created_at says the same again in a form the planner prunes time partitions with (it cannot
 * prune on a row comparison), so a deep page skips the partitions it has passed. @internal
 */
export function afterPosition(
  p: SqlParameters,
  position: KeysetPosition,
  order: SortOrder,
): string {
  const at = `timestamptz 'epoch' + ${p.add(position.micros, 'int8')} * interval '1 microsecond'`;
  const [strict, loose] = order === 'desc' ? ['<', '<='] : ['>', '>='];
  return `(created_at, id) ${strict} (${at}, ${p.add(position.id, 'uuid')}) AND created_at ${loose} ${at}`;
}

/**
 * `created_at` within `[from, to)` (epoch ms; `null` is unbounded), as plain parameters the
 * planner prunes partitions with; an empty string when both are unbounded. @internal
 */
export function withinTime(
  p: SqlParameters,
  window: { readonly from: number | null; readonly to: number | null },
): string {
  const at = (ms: number) => p.add(new Date(ms), 'timestamptz');
  return [
    window.from === null ? '' : ` AND created_at >= ${at(window.from)}`,
    window.to === null ? '' : ` AND created_at < ${at(window.to)}`,
  ].join('');
}

/**
 * The columns of an event, named as `EventRecord` names them, plus `position` (created_at in
 * microseconds, exact, for the next cursor) and the payload as text (`payloadJson`).
 * @internal
 */
export const EVENT_COLUMNS = [
  'id',
  'event_type AS "type"',
  'user_id AS "userId"',
  'project_id AS "projectId"',
  'tenant_id AS "tenantId"',
  'session_id AS "sessionId"',
  'agent_id AS "agentId"',
  'aggregate_type AS "aggregateType"',
  'aggregate_id AS "aggregateId"',
  'workflow_id AS "workflowId"',
  'correlation_id AS "correlationId"',
  'source',
  'payload::text AS "payloadJson"',
  'error_code AS "errorCode"',
  'tool_name AS "toolName"',
  'approval_status AS "approvalStatus"',
  'routing_key AS "routingKey"',
  'priority',
  'occurred_at AS "occurredAt"',
  'created_at AS "createdAt"',
  'trace_id AS "traceId"',
  'span_id AS "spanId"',
  `(extract(epoch FROM created_at) * 1000000)::int8::text AS "position"`,
].join(', ');

/**
 * One page of events. The page is cut first and the columns computed after, so that rows an
 * OFFSET skips are never converted. @internal
 */
export function listEventsSql(
  names: TableNames,
  where: string,
  order: SortOrder,
  limit: string,
  offset: string,
): string {
  const orderBy = `ORDER BY created_at ${order}, id ${order}`;
  return `SELECT ${EVENT_COLUMNS} FROM (
  SELECT * FROM ${names.eventLogs} WHERE ${where} ${orderBy} LIMIT ${limit} OFFSET ${offset}
) AS page ${orderBy}`;
}

/**
 * The rows an aggregate counts: `relation` (a table or a subquery, with event_logs' dimension
 * columns) filtered by `where`, each row weighing `count` (`count(*)` over raw rows, a sum
 * over rollup rows) and placed in time by its `time` column. @internal
 */
export interface AggregateSource {
  readonly relation: string;
  readonly where: string;
  readonly count: string;
  readonly time: string;
}

/** The raw rows of event_logs matching `where`, each counting once. @internal */
export function rawSource(names: TableNames, where: string): AggregateSource {
  return { relation: names.eventLogs, where, count: 'count(*)', time: 'created_at' };
}

/** Events per type, most frequent first (ties in byte order, whatever the collation). @internal */
export function countsByTypeSql(s: AggregateSource): string {
  return `SELECT event_type AS "type", ${s.count} AS "count" FROM ${s.relation}
WHERE ${s.where} GROUP BY event_type ORDER BY ${s.count} DESC, event_type COLLATE "C"`;
}

/** Agent switches and direct calls per agent (the `agentInteractions` statistic). @internal */
export function agentInteractionsSql(s: AggregateSource): string {
  const of = (type: string) => `coalesce(${s.count} FILTER (WHERE event_type = '${type}'), 0)`;
  return `SELECT agent_id AS "agentId",
  ${of('AGENT_SWITCHED')} AS "switches",
  ${of('DIRECT_AGENT_CALL')} AS "directCalls"
FROM ${s.relation}
WHERE ${s.where} AND event_type IN ('AGENT_SWITCHED', 'DIRECT_AGENT_CALL') AND agent_id IS NOT NULL
GROUP BY agent_id ORDER BY ${s.count} DESC, agent_id COLLATE "C"`;
}

/**
 * Errors per error code, per tool, and in total, in one pass (GROUPING SETS). `grouping` is 1
 * for a per-code row, 2 for a per-tool row, 3 for the total. @internal
 */
export function errorStatsSql(s: AggregateSource): string {
  return `SELECT error_code AS "errorCode", tool_name AS "toolName",
  grouping(error_code, tool_name) AS "grouping", ${s.count} AS "count"
FROM ${s.relation} WHERE ${s.where} AND ${IS_ERROR}
GROUP BY GROUPING SETS ((error_code), (tool_name), ())
ORDER BY ${s.count} DESC, error_code COLLATE "C", tool_name COLLATE "C"`;
}

/** The buckets of a time series, as placeholders of its statement. @internal */
export interface SeriesBuckets {
  readonly unit: string;
  readonly step: string;
  readonly zone: string;
  readonly from: string;
  readonly to: string;
}

/** The start of each bucket of a series, as local times (`bucket`). @internal */
export function seriesBucketsSql(b: SeriesBuckets): string {
  return `generate_series(
  date_trunc(${b.unit}, ${b.from} AT TIME ZONE ${b.zone}),
  (${b.to} AT TIME ZONE ${b.zone}) - interval '1 microsecond',
  ${b.step}
) AS s(bucket)`;
}

/**
 * Events per bucket (`minute`, `hour` or `day` in time zone `zone`) from `from` to `to`, with
 * empty buckets as 0. Buckets are cut in local time, so a day is a local calendar day. @internal
 */
export function timeSeriesSql(s: AggregateSource, b: SeriesBuckets): string {
  return `SELECT (s.bucket AT TIME ZONE ${b.zone}) AS "start", coalesce(c.count, 0) AS "count"
FROM ${seriesBucketsSql(b)}
LEFT JOIN (
  SELECT date_trunc(${b.unit}, ${s.time} AT TIME ZONE ${b.zone}) AS bucket, ${s.count} AS count
  FROM ${s.relation} WHERE ${s.where} GROUP BY 1
) AS c ON c.bucket = s.bucket
ORDER BY s.bucket`;
}
