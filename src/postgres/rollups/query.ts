import { ValidationError } from '../../errors.js';
import { defineOptions } from '../../options/schema.js';
import { custom, oneOf, type Spec } from '../../options/spec.js';
import type { Session } from '../driver/types.js';
import { resolveSeries, type TimeBucket, timeSeriesOptions } from '../query/aggregates.js';
import { resolveFilters } from '../read/filters.js';
import type { QueryScope } from '../read/scope.js';
import { resolveScope } from '../read/scope.js';
import type { TableNames } from '../sql/names.js';
import { type AggregateSource, SqlParameters } from '../sql/queries.js';
import { customShape, type RollupDefinition, rollupDefinitionSpec } from './definition.js';
import type { RollupLevel } from './levels.js';
import { rawShapeSource, rollupSource, viewRollup } from './read.js';

/** How {@link EventQueries.rollup} reads a custom rollup. */
export interface RollupReadOptions {
  /** Events created at or after this time. @default no bound */
  readonly from?: Date;
  /** Events created before this time. @default no bound */
  readonly to?: Date;
  /** The dimensions to split by (a subset of the definition's). @default all of them */
  readonly by?: readonly string[];
  /**
   * Split by time too: buckets of `hour` or `day` in `timeZone` (`from` and `to` are then
   * required). Buckets without events are left out.
   * @default no split by time
   */
  readonly bucket?: Exclude<TimeBucket, 'minute'>;
  /** IANA time zone of the buckets. @default 'UTC' */
  readonly timeZone?: string;
}

/** One row of a custom rollup's read. */
export interface RollupRow {
  /** The bucket's start, when the read was split by time. */
  readonly start?: Date;
  /** The values of the dimensions read by (`null`: events without one). */
  readonly dimensions: Readonly<Record<string, string | null>>;
  /** Events counted. */
  readonly events: number;
  /** The definition's sums. */
  readonly sums: Readonly<Record<string, number>>;
}

const date = () =>
  custom('a Date', (value, field) => {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
    throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a valid Date');
  }).optional('no bound');

const readOptions = defineOptions<RollupReadOptions>()('RollupReadOptions', {
  from: date(),
  to: date(),
  by: custom('dimension names', (value, field) => {
    if (!Array.isArray(value) || !value.every((k) => typeof k === 'string')) {
      throw new ValidationError(field, 'VALIDATION_TYPE', 'must be an array of dimension names');
    }
    return value as readonly string[];
  }).optional('all of them'),
  bucket: oneOf(['hour', 'day'] as const).optional('no split by time'),
  timeZone: timeSeriesOptions.specs.timeZone as Spec<string>,
});

/**
 * Reads a custom rollup for a scope: events and sums per dimensions (and bucket), most events
 * first, from the rollup plus the raw rows it does not hold (exact, as the built-in aggregates),
 * or from the raw rows alone while it is not built. @internal
 */
export async function readRollup(
  session: Session,
  names: TableNames,
  definition: RollupDefinition,
  scope: QueryScope,
  options: RollupReadOptions,
): Promise<RollupRow[]> {
  const checked = rollupDefinitionSpec().resolve(definition, 'definition');
  if (checked === undefined) {
    throw new ValidationError(
      'definition',
      'VALIDATION_REQUIRED',
      'must be a rollup of defineRollup()',
    );
  }
  const shape = customShape(names, checked);
  const s = resolveScope(scope);
  const o = readOptions.resolve(options);
  const f = resolveFilters({ ...(o.from && { from: o.from }), ...(o.to && { to: o.to }) });
  const keys = Object.keys(checked.dimensions);
  const by = o.by ?? keys;
  if (by.some((k) => !keys.includes(k))) {
    throw new ValidationError(
      'options.by',
      'VALIDATION_RANGE',
      `must name dimensions of ${checked.name}: ${keys.join(', ')}`,
    );
  }
  const series =
    o.bucket === undefined ? null : resolveSeries({ bucket: o.bucket, timeZone: o.timeZone }, f);
  const view = await viewRollup(session, names, shape, series);
  const p = new SqlParameters();
  const source: AggregateSource =
    view === null
      ? rawShapeSource(names, shape, p, s, f)
      : rollupSource(names, shape, p, s, f, view, shape.levels[0] as RollupLevel);
  const column = (key: string) => shape.dimensions[keys.indexOf(key)]?.column as string;
  const groups = by.map(column);
  const zone = series === null ? '' : p.add(series.timeZone, 'text');
  const start =
    series === null
      ? []
      : [
          `(date_trunc(${p.add(series.bucket, 'text')}, at AT TIME ZONE ${zone}) AT TIME ZONE ${zone}) AS "start"`,
        ];
  const sums = shape.sums.map((sum, i) => `coalesce(sum(${sum.column}), 0)::float8 AS "s${i}"`);
  const select = [
    ...start,
    ...groups.map((g, i) => `${g} AS "d${i}"`),
    'sum(n)::int8 AS "events"',
    ...sums,
  ];
  const grouped = select.slice(0, start.length + groups.length).map((_, i) => i + 1);
  const order = [...(series ? ['1'] : []), 'sum(n) DESC', ...groups.map((g) => `${g} COLLATE "C"`)];
  const text = `SELECT ${select.join(', ')} FROM ${source.relation} WHERE ${source.where}
${grouped.length > 0 ? `GROUP BY ${grouped.join(', ')}` : ''} ORDER BY ${order.join(', ')}`;
  const { rows } = await session.query<Record<string, unknown>>(text, p.values);
  return rows
    .filter((row) => Number(row.events) !== 0)
    .map((row) => ({
      ...(series !== null && { start: new Date(row.start as string | Date) }),
      dimensions: Object.fromEntries(
        by.map((key, i) => [key, (row[`d${i}`] as string | null) ?? null]),
      ),
      events: Number(row.events),
      sums: Object.fromEntries(
        Object.keys(checked.sums).map((key, i) => [key, Number(row[`s${i}`])]),
      ),
    }));
}
