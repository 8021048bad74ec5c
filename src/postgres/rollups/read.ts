import type { Session } from '../driver/types.js';
import type { ResolvedSeries } from '../query/aggregates.js';
import type { ResolvedFilters } from '../read/filters.js';
import type { ResolvedScope } from '../read/scope.js';
import type { TableNames } from '../sql/names.js';
import {
  type AggregateSource,
  eventConditions,
  filterConditions,
  SqlParameters,
  seriesBucketsSql,
} from '../sql/queries.js';
import { EVENTS_ROLLUP, GRAINS, readDimension } from '../sql/rollups.js';
import { cover, type Span } from './cover.js';

/** The rollup as one read found it: its checkpoint and the grains a series may use. @internal */
export interface RollupView {
  readonly tx: string;
  readonly id: string;
  readonly grains: readonly number[];
}

/** The filters a rollup answers: those on its dimensions and on time. @internal */
export function rollupAnswers(f: ResolvedFilters): boolean {
  return (
    f.sessionId === null &&
    f.aggregateType === null &&
    f.aggregateId === null &&
    f.workflowId === null &&
    f.traceId === null
  );
}

const NO_FILTERS: ResolvedFilters = {
  types: null,
  agentId: null,
  sessionId: null,
  aggregateType: null,
  aggregateId: null,
  workflowId: null,
  errorCode: null,
  toolName: null,
  traceId: null,
  errorsOnly: false,
  from: null,
  to: null,
};

/**
 * The built-in rollup's checkpoint when it is complete, else null; for a series, also which
 * grains lie whole inside its buckets: a grain does when every bucket boundary of the series
 * within its range (local minutes, hours or days of its zone, as Postgres's zone data cuts
 * them) falls on a boundary of the grain. @internal
 */
export async function viewRollup(
  session: Pick<Session, 'query'>,
  names: TableNames,
  series: ResolvedSeries | null,
): Promise<RollupView | null> {
  const p = new SqlParameters();
  const name = p.add(EVENTS_ROLLUP, 'text');
  let fits = GRAINS.map(() => 'true').join(', ');
  let boundaries = '';
  if (series !== null) {
    const from = p.add(series.from, 'timestamptz');
    const to = p.add(series.to, 'timestamptz');
    const zone = p.add(series.timeZone, 'text');
    const buckets = seriesBucketsSql({
      unit: p.add(series.bucket, 'text'),
      step: p.add(`1 ${series.bucket}`, 'interval'),
      zone,
      from,
      to,
    });
    fits = GRAINS.map(
      (g) => `coalesce(bool_and(mod(extract(epoch FROM b.at), ${g}) = 0), true)`,
    ).join(', ');
    boundaries = `
LEFT JOIN (SELECT s.bucket AT TIME ZONE ${zone} AS at FROM ${buckets}) AS b
  ON b.at > ${from} AND b.at < ${to}`;
  }
  const { rows } = await session.query<{
    tx: string;
    id: string;
    complete: boolean;
    fits: boolean[];
  }>(
    `SELECT r.position_tx_id::text AS "tx", r.position_id::text AS "id", r.complete,
  ARRAY[${fits}] AS "fits"
FROM ${names.rollups} AS r${boundaries}
WHERE r.name = ${name} GROUP BY 1, 2, 3`,
    p.values,
  );
  const row = rows[0];
  if (row === undefined || !row.complete) return null;
  return { tx: row.tx, id: row.id, grains: GRAINS.filter((_, i) => row.fits[i]) };
}

/** `column` within `span`, as SQL (`true` when unbounded). */
function within(p: SqlParameters, column: string, span: Span): string {
  const bounds: string[] = [];
  if (span.from !== null) bounds.push(`${column} >= ${p.add(new Date(span.from), 'timestamptz')}`);
  if (span.to !== null) bounds.push(`${column} < ${p.add(new Date(span.to), 'timestamptz')}`);
  return bounds.length === 0 ? 'true' : bounds.join(' AND ');
}

const RAW_COLUMNS = 'event_type, agent_id, error_code, tool_name, created_at AS at, 1::int8 AS n';

/**
 * The rows of scope and filters as an {@link AggregateSource} that counts exactly what the raw
 * rows would: the rollup's buckets that lie whole in the range (events at or before its
 * checkpoint), the raw rows committed after the checkpoint in those buckets (the tail: the
 * checkpoint is read again in the statement's own snapshot, so a fold that commits meanwhile
 * is counted once), and the raw rows at the edges no bucket covers. @internal
 */
export function rollupSource(
  names: TableNames,
  p: SqlParameters,
  scope: ResolvedScope,
  filters: ResolvedFilters,
  view: RollupView,
): AggregateSource {
  const inScope = eventConditions(p, scope, NO_FILTERS);
  const { buckets, raw } = cover(
    filters.from?.getTime() ?? null,
    filters.to?.getTime() ?? null,
    view.grains,
  );
  const parts = raw.map(
    (span) =>
      `SELECT ${RAW_COLUMNS} FROM ${names.eventLogs} WHERE ${inScope} AND ${within(p, 'created_at', span)}`,
  );
  if (buckets.length > 0) {
    const inBuckets = buckets
      .map((b) => `(grain = ${b.grain} AND ${within(p, 'bucket', b)})`)
      .join(' OR ');
    parts.push(`SELECT event_type, ${readDimension('agent_id')} AS agent_id,
  ${readDimension('error_code')} AS error_code, ${readDimension('tool_name')} AS tool_name,
  bucket AS at, events AS n
FROM ${names.eventRollups} WHERE ${inScope} AND (${inBuckets})`);
    const covered = buckets.map((b) => `(${within(p, 'created_at', b)})`).join(' OR ');
    const checkpoint = `(SELECT position_tx_id, position_id FROM ${names.rollups} WHERE name = ${p.add(EVENTS_ROLLUP, 'text')})`;
    parts.push(`SELECT ${RAW_COLUMNS} FROM ${names.eventLogs}
WHERE ${inScope} AND tx_id >= ${p.add(view.tx, 'xid8')} AND (tx_id, id) > ${checkpoint} AND (${covered})`);
  }
  // An empty range (from at or after to) covers nothing; the scope's parameters are still used.
  if (parts.length === 0) {
    parts.push(`SELECT ${RAW_COLUMNS} FROM ${names.eventLogs} WHERE ${inScope} AND false`);
  }
  const dimensions = filterConditions(p, { ...filters, from: null, to: null });
  return {
    relation: `(${parts.join('\nUNION ALL\n')}) AS e`,
    where: dimensions,
    count: 'sum(n)',
    time: 'at',
  };
}
