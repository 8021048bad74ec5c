import type { RollupShape } from '../rollups/definition.js';
import type { RollupLevel } from '../rollups/levels.js';
import type { TableNames } from './names.js';

/** The grains of the rollups, in seconds, coarsest first: a UTC day, an hour, a quarter hour. @internal */
export const GRAINS = [86_400, 3_600, 900] as const;

/** The name of the built-in rollup's row in `rollups`. @internal */
export const EVENTS_ROLLUP = 'events';

/** The first character of a dimension value stored escaped (see {@link storedDimension}). */
const ESCAPE = `chr(1)`;

/**
 * A dimension's value as a rollup table stores it, in a key column that cannot be NULL: '' for
 * NULL, and a value that is '' or starts with the escape character (U+0001) with one more in
 * front, so that no two values share a stored one (an event may say '' for an agent, an error
 * code or a tool, and the aggregates count it apart from none). @internal
 */
export const storedDimension = (value: string) =>
  `CASE WHEN ${value} IS NULL THEN '' WHEN ${value} = '' OR left(${value}, 1) = ${ESCAPE} THEN ${ESCAPE} || ${value} ELSE ${value} END`;

/** A value {@link storedDimension} stored, as the event had it. @internal */
export const readDimension = (column: string) =>
  `CASE WHEN ${column} = '' THEN NULL WHEN left(${column}, 1) = ${ESCAPE} THEN substr(${column}, 2) ELSE ${column} END`;

/** The columns of the scope, level and bucket, the first of every rollup's key. */
const SCOPE_KEY = ['user_id', 'level', 'grain', 'bucket', 'project_id', 'tenant_id'];

/** A rollup's unique key: scope, level, bucket, dimensions. */
const keyOf = (shape: RollupShape) => [...SCOPE_KEY, ...shape.dimensions.map((d) => d.column)];

/** Whether event `e` is an error, as the aggregates count them (see `IS_ERROR`). */
const E_IS_ERROR = `(e.error_code IS NOT NULL OR upper(e.event_type) = 'ERROR')`;

/** The columns a rollup's levels are grouped by: its dimensions, and `is_error` if a level keeps errors only. */
const groupedBy = (shape: RollupShape) => [
  ...shape.dimensions.map((d) => d.column),
  ...(shape.levels.some((l) => l.errorsOnly) ? ['is_error'] : []),
];

/**
 * `GROUPING(groupedBy...)` of a level's rows: a bit per column, set where the level does not
 * keep it (the first column is the highest bit).
 */
function maskOf(shape: RollupShape, level: RollupLevel): number {
  const keeps = (column: string) =>
    column === 'is_error' ? level.errorsOnly : level.keeps.includes(column);
  return groupedBy(shape).reduce((mask, column) => (mask << 1) | (keeps(column) ? 0 : 1), 0);
}

/**
 * Folds the events of `source` (an alias `e` with event_logs' columns) that the rollup counts
 * and `where` matches into its table, at every level and grain, in one pass (GROUPING SETS):
 * a row per bucket and kept dimensions, added to the row there (`sign` -1: taken from it).
 */
function fold(shape: RollupShape, source: string, where: string, sign = 1): string {
  const dims = shape.dimensions.map((d) => d.column);
  const sums = shape.sums.map((s) => s.column);
  const grains = [...new Set(shape.levels.flatMap((l) => l.grains))];
  const rows = [
    'e.user_id',
    'g.grain',
    `date_bin(g.grain * interval '1 second', e.created_at, timestamptz 'epoch') AS bucket`,
    `coalesce(e.project_id, '') AS project_id`,
    `coalesce(e.tenant_id, '') AS tenant_id`,
    ...shape.dimensions.map((d) => `${d.expr} AS ${d.column}`),
    `${E_IS_ERROR} AS is_error`,
    ...shape.sums.map((s) => `${s.expr} AS ${s.column}`),
  ];
  const sets = shape.levels.map(
    (l) => `(${[...l.keeps, ...(l.errorsOnly ? ['is_error'] : [])].join(', ')})`,
  );
  const level = `CASE mask ${shape.levels.map((l) => `WHEN ${maskOf(shape, l)} THEN ${l.id}`).join(' ')} END`;
  // A level's rows: its grains only, and errors only where it keeps errors only.
  const kept = shape.levels
    .map((l) => {
      const errors = l.errorsOnly ? ' AND is_error' : '';
      return `(mask = ${maskOf(shape, l)} AND grain IN (${l.grains.join(', ')})${errors})`;
    })
    .join(' OR ');
  const add = ['events', ...sums].map((c) => `${c} = r.${c} + excluded.${c}`).join(', ');
  return `INSERT INTO ${shape.table} AS r (${[...keyOf(shape), 'events', ...sums].join(', ')})
SELECT user_id, ${level}, grain, bucket, project_id, tenant_id,
  ${[...dims.map(storedDimension), 'n', ...sums].join(', ')}
FROM (
  SELECT user_id, grain, bucket, project_id, tenant_id, ${groupedBy(shape).join(', ')},
    ${sign} * count(*) AS n, ${sums.map((c) => `${sign} * coalesce(sum(${c}), 0) AS ${c}, `).join('')}
    GROUPING(${groupedBy(shape).join(', ')}) AS mask
  FROM (
    SELECT ${rows.join(', ')}
    FROM ${source} AS e CROSS JOIN (VALUES ${grains.map((g) => `(${g})`).join(', ')}) AS g(grain)
    WHERE (${shape.where}) AND (${where})
  ) AS x
  GROUP BY user_id, grain, bucket, project_id, tenant_id, GROUPING SETS (${sets.join(', ')})
) AS grouped
WHERE ${kept}
ON CONFLICT (${keyOf(shape).join(', ')}) DO UPDATE SET ${add}`;
}

/** The table of a custom rollup and its indexes, when they do not exist. */
function createTable(shape: RollupShape): string[] {
  const name = shape.table.slice(shape.table.lastIndexOf('.') + 1).replaceAll('"', '');
  const on = (suffix: string) => `"${name}_${suffix}"`;
  const columns = [
    'user_id text NOT NULL',
    'level smallint NOT NULL',
    'grain integer NOT NULL',
    'bucket timestamptz NOT NULL',
    'project_id text NOT NULL',
    'tenant_id text NOT NULL',
    ...shape.dimensions.map((d) => `${d.column} text NOT NULL`),
    'events bigint NOT NULL',
    ...shape.sums.map((s) => `${s.column} numeric NOT NULL`),
  ];
  const included = ['events', ...shape.sums.map((s) => s.column)].join(', ');
  return [
    `CREATE TABLE IF NOT EXISTS ${shape.table} (${columns.join(', ')})`,
    `CREATE UNIQUE INDEX IF NOT EXISTS ${on('key')} ON ${shape.table} (${keyOf(shape).join(', ')}) INCLUDE (${included})`,
    `CREATE INDEX IF NOT EXISTS ${on('bucket_idx')} ON ${shape.table} (bucket)`,
  ];
}

/** The columns a fold reads of each event: the payload only for a rollup that reads it. */
const batchColumns = (shape: RollupShape) =>
  shape.stored === null
    ? 'tx_id, id, created_at, user_id, project_id, tenant_id, event_type, agent_id, error_code, tool_name'
    : '*';

/**
 * Statements of one rollup (migration 0008; a custom rollup's table is made by its worker).
 * The rollup holds every event at or before its checkpoint (`position_tx_id`, `position_id`)
 * in stream order (see `streamSql`) that it counts, and no other; every statement that changes
 * its rows holds its `rollups` row locked (`FOR UPDATE`, or an UPDATE) first, so that the
 * checkpoint and the rows change together, and in that lock order. $1 is the rollup's name
 * wherever a statement reads `rollups`.
 * @internal
 */
export function rollupSql(names: TableNames, shape: RollupShape) {
  const state = names.rollups;
  const position = `position_tx_id::text AS "tx", position_id::text AS "id"`;
  return {
    /** The custom rollup's table and indexes, when they do not exist (none for the built-in). */
    createTable: shape.stored === null ? [] : createTable(shape),
    /** Drops the custom rollup's table (its definition changed). */
    dropTable: `DROP TABLE IF EXISTS ${shape.table}`,
    /**
     * Makes rollup $1 with definition $4 at checkpoint ($2 tx, $3 id), not complete; nothing
     * when it exists.
     */
    create: `INSERT INTO ${state} (name, position_tx_id, position_id, definition)
VALUES ($1, $2::xid8, $3::uuid, $4::jsonb) ON CONFLICT (name) DO NOTHING`,
    /** Rollup $1's stored definition (no row: never made). */
    definition: `SELECT definition FROM ${state} WHERE name = $1`,
    /** Starts rollup $1 over: definition $4, checkpoint ($2 tx, $3 id), not complete. */
    reset: `UPDATE ${state} SET definition = $4::jsonb, position_tx_id = $2::xid8,
  position_id = $3::uuid, complete = false, updated_at = now() WHERE name = $1`,
    /**
     * Takes (or keeps) the lease of rollup $1 for owner $2, $3 ms from now, when it is free,
     * expired or already its own. Returns its checkpoint and completeness; no row: another holds it.
     */
    lease: `UPDATE ${state} SET owner = $2, lease_until = now() + $3::int4 * interval '1 millisecond'
WHERE name = $1 AND (owner IS NULL OR owner = $2 OR lease_until < now())
RETURNING ${position}, complete`,
    /** Gives the lease of rollup $1 up, when owner $2 holds it. */
    release: `UPDATE ${state} SET owner = NULL, lease_until = NULL WHERE name = $1 AND owner = $2`,
    /** Locks rollup $1's row for a change of its rows, whoever leases it. */
    lock: `SELECT ${position} FROM ${state} WHERE name = $1 FOR UPDATE`,
    /** Moves rollup $1's checkpoint to ($2 tx, $3 id) and its lease $4 ms on. */
    advance: `UPDATE ${state} SET position_tx_id = $2::xid8, position_id = $3::uuid, updated_at = now(),
  lease_until = CASE WHEN owner IS NULL THEN NULL ELSE now() + $4::int4 * interval '1 millisecond' END
WHERE name = $1`,
    /** Rollup $1 is complete: built from every stored event. */
    completed: `UPDATE ${state} SET complete = true, updated_at = now() WHERE name = $1`,
    /**
     * Folds the settled events after ($1 tx, $2 id) and below the settled mark $3, in stream
     * order, at most $4; returns how many and the position of the last one.
     */
    foldAfter: `WITH batch AS MATERIALIZED (
  SELECT ${batchColumns(shape)} FROM ${names.schemaSql}.rollup_batch($1::xid8, $2::uuid, $3::xid8, $4::int4)
), folded AS (${fold(shape, 'batch', 'true')})
SELECT count(*)::int4 AS "n", (array_agg(tx_id::text ORDER BY tx_id DESC, id DESC))[1] AS "tx",
  (array_agg(id::text ORDER BY tx_id DESC, id DESC))[1] AS "id"
FROM batch`,
    /**
     * Removes the rows of every grain whose bucket starts in [$1, $2) (timestamptz; either
     * NULL: unbounded; whole days) and folds again the events created then, at or before
     * ($3 tx, $4 id): the grains nest, so every bucket starting in whole days ends in them.
     */
    refold: {
      remove: `DELETE FROM ${shape.table}
WHERE ($1::timestamptz IS NULL OR bucket >= $1::timestamptz)
  AND ($2::timestamptz IS NULL OR bucket < $2::timestamptz)`,
      fold: fold(
        shape,
        names.eventLogs,
        `($1::timestamptz IS NULL OR e.created_at >= $1::timestamptz)
  AND ($2::timestamptz IS NULL OR e.created_at < $2::timestamptz)
  AND (e.tx_id, e.id) <= ($3::xid8, $4::uuid)`,
      ),
    },
    /**
     * Takes out of the rollup the events of `relation` (a partition about to go) at or before
     * ($1 tx, $2 id), and created before $3 (epoch ms, as `expireDefault` cuts; NULL: all).
     */
    unfold: (relation: string) =>
      fold(
        shape,
        relation,
        `(e.tx_id, e.id) <= ($1::xid8, $2::uuid)
  AND ($3::numeric IS NULL OR e.created_at < to_timestamp($3::numeric / 1000.0))`,
        -1,
      ),
    /**
     * Removes the rows that count nothing any more, of buckets starting before $1 (epoch ms).
     * Below zero too: before the rollup is complete, `unfold` takes the events of a day not
     * built yet out of rows that never held them; the build that follows may not reach that
     * day any more (its events are gone), and such a row would count them below nothing.
     */
    dropEmpty: `DELETE FROM ${shape.table} WHERE events <= 0 AND bucket < to_timestamp($1::float8 / 1000.0)`,
    /** When the first and the last stored event were created (NULL, NULL: none). */
    span: `SELECT min(created_at) AS "from", max(created_at) AS "to" FROM ${names.eventLogs}`,
  } as const;
}

/** The statements of {@link rollupSql}. @internal */
export type RollupSql = ReturnType<typeof rollupSql>;

/** Every rollup's name and stored definition, locked for a change of their rows, in name order. @internal */
export const lockAllRollups = (names: TableNames) =>
  `SELECT name, definition, position_tx_id::text AS "tx", position_id::text AS "id"
FROM ${names.rollups} ORDER BY name FOR UPDATE`;
