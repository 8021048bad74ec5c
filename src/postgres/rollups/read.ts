import type { Session } from '../driver/types.js';
import type { ResolvedSeries } from '../query/aggregates.js';
import { type ResolvedFilters, resolveFilters } from '../read/filters.js';
import type { ResolvedScope } from '../read/scope.js';
import type { TableNames } from '../sql/names.js';
import {
  type AggregateSource,
  eventConditions,
  filterConditions,
  SqlParameters,
  seriesBucketsSql,
} from '../sql/queries.js';
import { GRAINS, readDimension } from '../sql/rollups.js';
import { cover, type Span } from './cover.js';
import { type RollupShape, sameDefinition } from './definition.js';
import type { RollupLevel } from './levels.js';

/** A rollup as one read found it: complete, and the grains a series may use. @internal */
export interface RollupView {
  readonly grains: readonly number[];
}

/** The filters the built-in rollup answers: those on its dimensions and on time. @internal */
export function rollupAnswers(f: ResolvedFilters): boolean {
  return (
    f.sessionId === null &&
    f.aggregateType === null &&
    f.aggregateId === null &&
    f.workflowId === null &&
    f.traceId === null
  );
}

/** No filter but time: what the scope conditions are made with. @internal */
export const NO_FILTERS: ResolvedFilters = resolveFilters({});

/**
 * Rollup `shape` when it is complete and built for `shape`'s definition, else null (the raw
 * rows answer); for a series, with the grains that lie whole inside its buckets: a grain does
 * when every bucket boundary of the series within its range (local minutes, hours or days of
 * its zone, as Postgres's zone data cuts them) falls on a boundary of the grain. @internal
 */
export async function viewRollup(
  session: Pick<Session, 'query'>,
  names: TableNames,
  shape: RollupShape,
  series: ResolvedSeries | null,
): Promise<RollupView | null> {
  if (!(await readable(session, [names.rollups, shape.table]))) return null;
  const p = new SqlParameters();
  const rollup = p.add(shape.name, 'text');
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
    complete: boolean;
    definition: unknown;
    fits: boolean[];
  }>(
    `SELECT r.complete, r.definition, ARRAY[${fits}] AS "fits"
FROM ${names.rollups} AS r${boundaries}
WHERE r.name = ${rollup} GROUP BY 1, 2`,
    p.values,
  );
  const row = rows[0];
  if (row === undefined || !row.complete || !sameDefinition(row.definition, shape)) return null;
  return { grains: GRAINS.filter((_, i) => row.fits[i]) };
}

/**
 * Whether the tables exist and this role may read them: a database not migrated to 0008 yet, or
 * a role granted `event_logs` alone (as before rollups), reads the raw rows as it always did
 * instead of failing (the statement would abort a transaction it runs in, e.g. `withTenant`'s).
 */
async function readable(session: Pick<Session, 'query'>, tables: readonly string[]) {
  const { rows } = await session.query<{ ok: boolean }>(
    `SELECT bool_and(to_regclass(t) IS NOT NULL AND has_table_privilege(to_regclass(t), 'SELECT')) AS "ok"
FROM unnest($1::text[]) AS t`,
    [tables],
  );
  return rows[0]?.ok === true;
}

/** `column` within `span`, as SQL (`true` when unbounded). */
function within(p: SqlParameters, column: string, span: Span): string {
  const bounds: string[] = [];
  if (span.from !== null) bounds.push(`${column} >= ${p.add(new Date(span.from), 'timestamptz')}`);
  if (span.to !== null) bounds.push(`${column} < ${p.add(new Date(span.to), 'timestamptz')}`);
  return bounds.length === 0 ? 'true' : bounds.join(' AND ');
}

/** An event `e` in the rollup's columns: its dimensions, `at`, `n` (one) and its sums. */
const eventColumns = (shape: RollupShape) => [
  ...shape.dimensions.map((d) => `${d.expr} AS ${d.column}`),
  'e.created_at AS at',
  '1::int8 AS n',
  ...shape.sums.map((s) => `${s.expr} AS ${s.column}`),
];

/** The raw events of the scope in the rollup's shape (dimensions, `at`, `n`, sums), matching `where`. */
function rawBranch(names: TableNames, shape: RollupShape, inScope: string, where: string): string {
  const columns = eventColumns(shape);
  return `SELECT ${columns.join(', ')} FROM ${names.eventLogs} AS e
WHERE ${inScope} AND (${shape.where}) AND ${where}`;
}

/** The rollup's rows of the scope matching `where`, in the same columns as {@link rawBranch}. */
function rollupBranch(shape: RollupShape, inScope: string, where: string): string {
  const columns = [
    ...shape.dimensions.map((d) => `${readDimension(d.column)} AS ${d.column}`),
    'bucket AS at',
    'events AS n',
    ...shape.sums.map((s) => s.column),
  ];
  return `SELECT ${columns.join(', ')} FROM ${shape.table} WHERE ${inScope} AND ${where}`;
}

/**
 * The raw rows of the scope committed after the rollup's checkpoint and created in `span`, in
 * the same columns as {@link rawBranch}: `rollup_tail` reads the checkpoint in the calling
 * statement's snapshot, and walks the (tx_id, id) index with a plan made once per connection.
 */
function tailBranch(
  names: TableNames,
  shape: RollupShape,
  p: SqlParameters,
  scope: ResolvedScope,
  span: Span,
  where: string,
): string {
  const bound = (ms: number | null, unbounded: string) =>
    p.add(ms === null ? unbounded : new Date(ms), 'timestamptz');
  const args = [
    p.add(shape.name, 'text'),
    p.add(scope.userId, 'text'),
    p.add(scope.projectId, 'text'),
    p.add(scope.tenantId, 'text'),
    bound(span.from, '-infinity'),
    bound(span.to, 'infinity'),
  ];
  const columns = eventColumns(shape);
  return `SELECT ${columns.join(', ')} FROM ${names.schemaSql}.rollup_tail(${args.join(', ')}) AS e
WHERE (${shape.where}) AND ${where}`;
}

/** An {@link AggregateSource} over the union `parts`, counting `n`. */
const union = (parts: readonly string[], where: string): AggregateSource => ({
  relation: `(${parts.join('\nUNION ALL\n')}) AS e`,
  where,
  count: 'sum(n)',
  time: 'at',
});

/**
 * The rows of scope and filters as an {@link AggregateSource} that counts exactly what the raw
 * rows would: the rollup's buckets that lie whole in the range (events at or before its
 * checkpoint), the raw rows committed after the checkpoint in those buckets (the tail: the
 * checkpoint is read again in the statement's own snapshot, so a fold that commits meanwhile
 * is counted once), and the raw rows at the edges no bucket covers. The filters beyond time
 * apply to the rollup's dimension columns (the built-in rollup's are event_logs' own). @internal
 */
export function rollupSource(
  names: TableNames,
  shape: RollupShape,
  p: SqlParameters,
  scope: ResolvedScope,
  filters: ResolvedFilters,
  view: RollupView,
  level: RollupLevel,
): AggregateSource {
  const inScope = eventConditions(p, scope, NO_FILTERS);
  const range = { from: filters.from?.getTime() ?? null, to: filters.to?.getTime() ?? null };
  const grains = level.grains.filter((g) => view.grains.includes(g));
  const { buckets, raw } = cover(range.from, range.to, grains);
  const parts = raw.map((span) =>
    rawBranch(names, shape, inScope, within(p, 'e.created_at', span)),
  );
  if (buckets.length > 0) {
    const inBuckets = buckets.map((b) => `(grain = ${b.grain} AND ${within(p, 'bucket', b)})`);
    parts.push(rollupBranch(shape, inScope, `level = ${level.id} AND (${inBuckets.join(' OR ')})`));
    const covered = buckets.map((b) => `(${within(p, 'e.created_at', b)})`).join(' OR ');
    parts.push(tailBranch(names, shape, p, scope, range, `(${covered})`));
  }
  if (parts.length === 0) parts.push(rawBranch(names, shape, inScope, 'false'));
  return union(parts, filterConditions(p, { ...filters, from: null, to: null }));
}

/** The raw rows of the scope in the range, in the rollup's shape: what an incomplete rollup is read from. @internal */
export function rawShapeSource(
  names: TableNames,
  shape: RollupShape,
  p: SqlParameters,
  scope: ResolvedScope,
  filters: ResolvedFilters,
): AggregateSource {
  const inScope = eventConditions(p, scope, NO_FILTERS);
  const range = { from: filters.from?.getTime() ?? null, to: filters.to?.getTime() ?? null };
  return union([rawBranch(names, shape, inScope, within(p, 'e.created_at', range))], 'true');
}
