import { quoteIdentifier, type TableNames } from './names.js';

/** The partition that takes every row outside the range partitions (made by migration 0002). */
export const DEFAULT_PARTITION = 'event_logs_default';

/** A bound of a range partition as SQL reads it back: epoch ms of the quoted timestamp, or NULL. */
const bound = (side: 'FROM' | 'TO') =>
  `(extract(epoch FROM substring(b FROM '${side} \\(''([^'']+)''\\)')::timestamptz) * 1000)::float8`;

/** A timestamp literal for partition bounds (DDL takes no parameters); ISO 8601 in UTC. */
const at = (ms: number) => `'${new Date(ms).toISOString()}'`;

/** One partition of `event_logs` as {@link partitionSql}'s `list` returns it. @internal */
export interface PartitionRow {
  readonly name: string;
  /** Lower bound in epoch ms; NULL for the default partition and for `MINVALUE`. */
  readonly lower_ms: number | null;
  /** Upper bound in epoch ms; NULL for the default partition and for `MAXVALUE`. */
  readonly upper_ms: number | null;
  readonly is_default: boolean;
}

/**
 * Statements of partition maintenance on `event_logs`. Partition names come from
 * `partitionName` (letters, digits, `_`), never from a caller. @internal
 */
export function partitionSql(names: TableNames) {
  const parent = names.eventLogs;
  const table = (name: string) => `${names.schemaSql}.${quoteIdentifier(name)}`;
  const defaultPartition = table(DEFAULT_PARTITION);
  return {
    /** One maintainer per schema at a time; the others return at once (session-level lock). */
    tryLock: `SELECT pg_try_advisory_lock(hashtext('eventrail.maintain:' || $1::text)) AS locked`,
    unlock: `SELECT pg_advisory_unlock(hashtext('eventrail.maintain:' || $1::text))`,
    /** Bounds how long a DDL statement waits for a lock (and so how long writers queue behind it). */
    lockTimeout: (ms: number) => `SET LOCAL lock_timeout = ${Math.trunc(ms)}`,
    /** The partitions of event_logs with their bounds, read from the catalog. */
    list: `SELECT name, ${bound('FROM')} AS lower_ms, ${bound('TO')} AS upper_ms, b = 'DEFAULT' AS is_default
  FROM (SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS b
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = '${parent}'::regclass) AS p
 ORDER BY upper_ms NULLS FIRST`,
    /** Rows of the default partition inside [$1, $2) (epoch ms): are there any to move? */
    defaultHasRows: `SELECT EXISTS (SELECT 1 FROM ${defaultPartition}
  WHERE created_at >= to_timestamp($1 / 1000.0) AND created_at < to_timestamp($2 / 1000.0)) AS found`,
    /**
     * Writers wait (readers do not) until the new range is attached: an insert that routed its
     * row to the default partition before the attach would fail the default's new constraint.
     */
    lockWriters: `LOCK TABLE ONLY ${parent} IN SHARE MODE`,
    /** A table shaped like event_logs, to become a partition (indexes come with the attach). */
    createTable: (name: string) =>
      `CREATE TABLE ${table(name)} (LIKE ${parent} INCLUDING DEFAULTS INCLUDING STORAGE)`,
    /** Moves the default partition's rows of [$1, $2) (epoch ms) into `name`; counts them. */
    moveRows: (name: string) => `WITH moved AS (
  DELETE FROM ${defaultPartition}
   WHERE created_at >= to_timestamp($1 / 1000.0) AND created_at < to_timestamp($2 / 1000.0)
  RETURNING *
)
INSERT INTO ${table(name)} SELECT * FROM moved`,
    /** Attaches `name` for [from, to): builds its share of every partitioned index. */
    attach: (name: string, from: number, to: number) =>
      `ALTER TABLE ${parent} ATTACH PARTITION ${table(name)} FOR VALUES FROM (${at(from)}) TO (${at(to)})`,
    detach: (name: string) => `ALTER TABLE ${parent} DETACH PARTITION ${table(name)}`,
    drop: (name: string) => `DROP TABLE ${table(name)}`,
    /**
     * Deletes the default partition's rows created before $1 (epoch ms): counts them (`n`) and
     * gives the highest stream position among them (`tx`, `id`; NULL when none), for the
     * retention horizon.
     */
    expireDefault: `WITH gone AS (
  DELETE FROM ${defaultPartition} WHERE created_at < to_timestamp($1 / 1000.0) RETURNING tx_id, id
)
SELECT count(*)::int AS n, (array_agg(tx_id::text ORDER BY tx_id DESC, id DESC))[1] AS tx,
  (array_agg(id::text ORDER BY tx_id DESC, id DESC))[1] AS id
FROM gone`,
    /** The quoted name of a partition, for statements that read one. */
    partition: table,
  } as const;
}

/** The statements of {@link partitionSql}. @internal */
export type PartitionSql = ReturnType<typeof partitionSql>;
