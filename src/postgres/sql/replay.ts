import type { TableNames } from './names.js';

/** The planner settings a replay changes, as {@link replaySql}'s `planner` reads them. @internal */
export interface PlannerRow {
  readonly seqscan: string;
  readonly bitmapscan: string;
  readonly sort: string;
}

/** A named replay's checkpoint as {@link replaySql}'s `read` returns it. @internal */
export interface ReplayCheckpointRow {
  /** `from` as epoch ms, or null for `'start'`. */
  readonly from_ms: number | null;
  readonly tx: string;
  readonly id: string;
}

/**
 * Statements of replay: its session's planner settings, and a named replay's checkpoint
 * (migration 0007): a `consumers` row of one partition named `replay:<name>` ($1 below), whose
 * `consumer_partitions` row 0 holds the position of the last batch the sink confirmed. A
 * session-level advisory lock keeps two runs of one name apart.
 * @internal
 */
export function replaySql(names: TableNames) {
  const lockKey = `hashtext('eventrail.replay:${names.schema}:' || $1::text)`;
  return {
    tryLock: `SELECT pg_try_advisory_lock(${lockKey}) AS locked`,
    unlock: `SELECT pg_advisory_unlock(${lockKey})`,
    read: `SELECT (extract(epoch FROM c.from_time) * 1000)::float8 AS from_ms,
  p.position_tx_id::text AS tx, p.position_id::text AS id
FROM ${names.consumers} AS c JOIN ${names.consumerPartitions} AS p
  ON p.consumer = c.name AND p.partition = 0
WHERE c.name = $1`,
    /** Creates the checkpoint at position ($3 tx, $4 id); `from` $2 (epoch ms, or NULL: `'start'`). */
    create: `WITH c AS (
  INSERT INTO ${names.consumers} (name, partitions, from_time)
  VALUES ($1, 1, to_timestamp($2::float8 / 1000.0)) RETURNING name)
INSERT INTO ${names.consumerPartitions} (consumer, partition, position_tx_id, position_id)
SELECT name, 0, $3::xid8, $4::uuid FROM c`,
    /**
     * The planner settings of the replay's session, as they are (to be restored by `restore`):
     * see `walkIndex`.
     */
    planner: `SELECT current_setting('enable_seqscan') AS seqscan,
  current_setting('enable_bitmapscan') AS bitmapscan, current_setting('enable_sort') AS sort`,
    /**
     * Makes every read of the replay walk each partition's `(tx_id, id)` index in order, as the
     * stream's shared read does: left to itself, the planner takes a page that starts inside a
     * large transaction for a few rows (it estimates a row comparison by `tx_id` alone), reads
     * every row after it and sorts them, at every page: a replay of one bulk import would read
     * it again for each page. Walking the index reads each row once over the whole replay.
     */
    walkIndex: `SELECT set_config('enable_seqscan', 'off', false),
  set_config('enable_bitmapscan', 'off', false), set_config('enable_sort', 'off', false)`,
    /** Puts back the settings `planner` read ($1 seqscan, $2 bitmapscan, $3 sort). */
    restore: `SELECT set_config('enable_seqscan', $1, false),
  set_config('enable_bitmapscan', $2, false), set_config('enable_sort', $3, false)`,
    /** Moves the checkpoint to position ($2 tx, $3 id). */
    advance: `UPDATE ${names.consumerPartitions}
SET position_tx_id = $2::xid8, position_id = $3::uuid, updated_at = now()
WHERE consumer = $1 AND partition = 0`,
  } as const;
}
