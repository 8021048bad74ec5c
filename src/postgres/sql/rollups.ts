import type { TableNames } from './names.js';

/** The grains of the rollup, in seconds, coarsest first: a UTC day, an hour, a quarter hour. @internal */
export const GRAINS = [86_400, 3_600, 900] as const;

/** The name of the built-in rollup's row in `rollups`. @internal */
export const EVENTS_ROLLUP = 'events';

/** The first character of a dimension value stored escaped (see {@link storedDimension}). */
const ESCAPE = `chr(1)`;

/**
 * An optional text value (`agent_id`, `error_code`, `tool_name`) as `event_rollups` stores it,
 * in a key column that cannot be NULL: '' for NULL, and a value that is '' or starts with the
 * escape character (U+0001) with one more in front, so that no two values share a stored one.
 * @internal
 */
export const storedDimension = (value: string) =>
  `CASE WHEN ${value} IS NULL THEN '' WHEN ${value} = '' OR left(${value}, 1) = ${ESCAPE} THEN ${ESCAPE} || ${value} ELSE ${value} END`;

/** A value {@link storedDimension} stored, as the event had it. @internal */
export const readDimension = (column: string) =>
  `CASE WHEN ${column} = '' THEN NULL WHEN left(${column}, 1) = ${ESCAPE} THEN substr(${column}, 2) ELSE ${column} END`;

/** The dimension columns of `event_rollups`, its unique key. */
const KEY =
  'user_id, grain, bucket, project_id, tenant_id, event_type, agent_id, error_code, tool_name';

/**
 * Folds the events of `source` (an alias `e` with event_logs' columns) that match `where` into
 * `event_rollups`, at every grain: a row per bucket and dimensions, added to the row there
 * (`sign` -1: taken from it).
 */
const fold = (
  names: TableNames,
  source: string,
  where: string,
  sign = 1,
) => `INSERT INTO ${names.eventRollups} AS r (${KEY}, events)
SELECT e.user_id, g.grain, date_bin(g.grain * interval '1 second', e.created_at, timestamptz 'epoch'),
  coalesce(e.project_id, ''), coalesce(e.tenant_id, ''), e.event_type, ${storedDimension('e.agent_id')},
  ${storedDimension('e.error_code')}, ${storedDimension('e.tool_name')}, ${sign} * count(*)
FROM ${source} AS e CROSS JOIN (VALUES ${GRAINS.map((g) => `(${g})`).join(', ')}) AS g(grain)
WHERE ${where}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
ON CONFLICT (${KEY}) DO UPDATE SET events = r.events + excluded.events`;

/**
 * Statements of the rollups (migration 0008). The rollup holds every event at or before its
 * checkpoint (`position_tx_id`, `position_id`) in stream order (see `streamSql`), and no other;
 * every statement that changes its rows holds the `rollups` row locked (`FOR UPDATE`) first, so
 * that the checkpoint and the rows change together and in one order.
 * @internal
 */
export function rollupSql(names: TableNames) {
  const state = names.rollups;
  const position = `position_tx_id::text AS "tx", position_id::text AS "id"`;
  return {
    /** Makes rollup $1 at checkpoint ($2 tx, $3 id), not complete; nothing when it exists. */
    create: `INSERT INTO ${state} (name, position_tx_id, position_id) VALUES ($1, $2::xid8, $3::uuid)
ON CONFLICT (name) DO NOTHING`,
    /** The checkpoint of rollup $1 and whether it is complete (no row: never made). */
    read: `SELECT ${position}, complete FROM ${state} WHERE name = $1`,
    /**
     * Takes (or keeps) the lease of rollup $1 for owner $2, $3 ms from now, when it is free,
     * expired or already its own. Returns its checkpoint and completeness; no row: another holds it.
     */
    lease: `UPDATE ${state} SET owner = $2, lease_until = now() + $3::int4 * interval '1 millisecond'
WHERE name = $1 AND (owner IS NULL OR owner = $2 OR lease_until < now())
RETURNING ${position}, complete`,
    /** Gives the lease of rollup $1 up, when owner $2 holds it. */
    release: `UPDATE ${state} SET owner = NULL, lease_until = NULL WHERE name = $1 AND owner = $2`,
    /** Locks rollup $1's row for a change of its rows by owner $2 while its lease holds. */
    lockLeased: `SELECT ${position} FROM ${state}
WHERE name = $1 AND owner = $2 AND lease_until > clock_timestamp() FOR UPDATE`,
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
  SELECT tx_id, id, created_at, user_id, project_id, tenant_id, event_type, agent_id, error_code, tool_name
  FROM ${names.eventLogs}
  WHERE tx_id >= $1::xid8 AND (tx_id, id) > ($1::xid8, $2::uuid) AND tx_id < $3::xid8
  ORDER BY tx_id, id LIMIT $4::int4
), folded AS (${fold(names, 'batch', 'true')})
SELECT count(*)::int4 AS "n", (array_agg(tx_id::text ORDER BY tx_id DESC, id DESC))[1] AS "tx",
  (array_agg(id::text ORDER BY tx_id DESC, id DESC))[1] AS "id"
FROM batch`,
    /**
     * Removes the rows of every grain whose bucket starts in [$1, $2) (timestamptz; either
     * NULL: unbounded; whole days) and folds again the events created then, at or before
     * ($3 tx, $4 id): the grains nest, so every bucket starting in whole days ends in them.
     */
    refold: {
      remove: `DELETE FROM ${names.eventRollups}
WHERE ($1::timestamptz IS NULL OR bucket >= $1::timestamptz)
  AND ($2::timestamptz IS NULL OR bucket < $2::timestamptz)`,
      fold: fold(
        names,
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
        names,
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
    dropEmpty: `DELETE FROM ${names.eventRollups} WHERE events <= 0 AND bucket < to_timestamp($1::float8 / 1000.0)`,
    /** When the first and the last stored event were created (NULL, NULL: none). */
    span: `SELECT min(created_at) AS "from", max(created_at) AS "to" FROM ${names.eventLogs}`,
  } as const;
}

/** The statements of {@link rollupSql}. @internal */
export type RollupSql = ReturnType<typeof rollupSql>;
