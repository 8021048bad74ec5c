import type { TableNames } from './names.js';
import { EVENT_COLUMNS } from './queries.js';

/** The key of an event: its aggregate, else its session, else its user. @internal */
export const CONSUMER_KEY = 'coalesce(aggregate_id, session_id, user_id)';

/** The partition of an event among `$n` (a placeholder): a hash of its key. @internal */
export const partitionOf = (n: string) => `(abs(hashtext(${CONSUMER_KEY})::int8) % ${n})::int4`;

/** A partition's row as the lease statements return it. @internal */
export interface PartitionRow {
  readonly partition: number;
  readonly tx: string;
  readonly id: string;
}

/** A consumer's row. @internal */
export interface ConsumerRow {
  readonly partitions: number;
  /** `from_time` as epoch ms, or null. */
  readonly from_ms: number | null;
}

const PARTITION_COLUMNS = `p.partition, p.position_tx_id::text AS tx, p.position_id::text AS id`;

/**
 * Updates rows of `consumer_partitions` (`p`) of consumer $1 picked by `pick` (a SELECT of
 * `partition` that locks its rows): every multi-row update of the table takes its row locks
 * in partition order, so two of them never deadlock.
 */
const updatePicked = (names: TableNames, set: string, pick: string) =>
  `UPDATE ${names.consumerPartitions} AS p SET ${set}
FROM (${pick}) AS picked WHERE p.consumer = $1 AND p.partition = picked.partition
RETURNING ${PARTITION_COLUMNS}`;

/** A lease of `$3` milliseconds from now. */
const LEASE = `now() + $3::int4 * interval '1 millisecond'`;

/**
 * Statements of the durable consumers (migration 0007): the consumer's row and its partitions'
 * checkpoints and leases, its members' heartbeats, its dead letters. $1 is always the
 * consumer's name, $2 the member's id where there is one.
 * @internal
 */
export function consumerSql(names: TableNames) {
  const cp = names.consumerPartitions;
  const dl = names.deadLetters;
  const mine = `SELECT partition FROM ${cp} WHERE consumer = $1 AND owner = $2`;
  return {
    /**
     * The settings of a member's connection for its reads: left to itself, the planner takes a
     * read that starts inside a large transaction (a bulk import) for a few rows (it estimates
     * a row comparison by `tx_id` alone), reads every row after it and sorts them, at every
     * read (0.4 s a read inside 200,000 rows); walking the `(tx_id, id)` index in order reads
     * each row once, as the stream's reader and replay do.
     */
    walkIndex: `SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_sort = off`,
    /** Puts back the settings `walkIndex` changed, before the connection goes back to the pool. */
    unwalk: `RESET enable_seqscan; RESET enable_bitmapscan; RESET enable_sort`,
    /** Begins a handler's transaction with the server's planner settings, not the reads'. */
    begin: `BEGIN; SET LOCAL enable_seqscan = DEFAULT; SET LOCAL enable_bitmapscan = DEFAULT;
SET LOCAL enable_sort = DEFAULT`,
    /**
     * Creates consumer $1 of $2 partitions, `from_time` $3 (epoch ms or NULL), every
     * checkpoint at ($4 tx, $5 id); nothing when it exists.
     */
    create: `WITH c AS (
  INSERT INTO ${names.consumers} (name, partitions, from_time)
  VALUES ($1, $2::int4, to_timestamp($3::float8 / 1000.0))
  ON CONFLICT (name) DO NOTHING RETURNING name, partitions)
INSERT INTO ${cp} (consumer, partition, position_tx_id, position_id)
SELECT c.name, g, $4::xid8, $5::uuid FROM c, generate_series(0, c.partitions - 1) AS g`,
    read: `SELECT partitions, (extract(epoch FROM from_time) * 1000)::float8 AS from_ms
FROM ${names.consumers} WHERE name = $1`,
    /**
     * Member $2 is alive; members unseen for $3 ms are forgotten. Returns how many are alive
     * (this one included).
     */
    heartbeat: `WITH seen AS (
  INSERT INTO ${names.consumerMembers} (consumer, member, seen_at) VALUES ($1, $2, now())
  ON CONFLICT (consumer, member) DO UPDATE SET seen_at = now()),
gone AS (DELETE FROM ${names.consumerMembers}
  WHERE consumer = $1 AND member <> $2 AND seen_at < now() - $3::int4 * interval '1 millisecond'
  RETURNING member)
SELECT 1 + count(*) FILTER (WHERE member <> $2 AND NOT EXISTS (SELECT 1 FROM gone g WHERE g.member = m.member))::int4 AS "live"
FROM ${names.consumerMembers} AS m WHERE consumer = $1`,
    /**
     * Member $2 joins: its row is made, or taken over when unseen for $3 ms; no row returned
     * while a live member has that id.
     */
    join: `INSERT INTO ${names.consumerMembers} AS m (consumer, member, seen_at) VALUES ($1, $2, now())
ON CONFLICT (consumer, member) DO UPDATE SET seen_at = now()
  WHERE m.seen_at < now() - $3::int4 * interval '1 millisecond'
RETURNING 1`,
    leave: `DELETE FROM ${names.consumerMembers} WHERE consumer = $1 AND member = $2`,
    /** Renews the leases of member $2 for $3 ms; returns the partitions it holds. */
    renew: updatePicked(names, `lease_until = ${LEASE}`, `${mine} ORDER BY partition FOR UPDATE`),
    /** Takes up to $4 partitions free or whose lease expired, for member $2, for $3 ms. */
    claim: updatePicked(
      names,
      `owner = $2, lease_until = ${LEASE}`,
      `SELECT partition FROM ${cp} WHERE consumer = $1 AND (owner IS NULL OR lease_until < now())
ORDER BY partition LIMIT $4::int4 FOR UPDATE SKIP LOCKED`,
    ),
    /** Gives up the partitions $3 (int4[]) of member $2 (all of them when NULL). */
    release: updatePicked(
      names,
      'owner = NULL, lease_until = NULL',
      `${mine} AND ($3::int4[] IS NULL OR partition = ANY($3::int4[])) ORDER BY partition FOR UPDATE`,
    ),
    /**
     * Moves the checkpoints of partitions $3 (int4[]) of member $2 that had no events up to
     * ($4 tx, $5 id) there, where they are before it, while its lease holds. Returns those moved.
     */
    advance: updatePicked(
      names,
      'position_tx_id = $4::xid8, position_id = $5::uuid, updated_at = now()',
      `${mine} AND partition = ANY($3::int4[]) AND lease_until > clock_timestamp()
  AND (position_tx_id, position_id) < ($4::xid8, $5::uuid) ORDER BY partition FOR UPDATE`,
    ),
    /**
     * The fence of a batch (compare-and-set): moves the checkpoint of partition $3 (int4) of
     * member $2 from ($6 tx, $7 id), where the batch was read after, to ($4 tx, $5 id), only
     * while its lease holds and the checkpoint still stands there. No row: lost, or stale.
     */
    fence: updatePicked(
      names,
      'position_tx_id = $4::xid8, position_id = $5::uuid, updated_at = now()',
      `${mine} AND partition = $3::int4 AND lease_until > clock_timestamp()
  AND position_tx_id = $6::xid8 AND position_id = $7::uuid FOR UPDATE`,
    ),
    /**
     * The partitions member $2 holds (only those of $3 int4[] when not NULL) with their
     * checkpoints as stored: what the member reloads after an error or a failed fence.
     */
    held: `SELECT ${PARTITION_COLUMNS} FROM ${cp} AS p WHERE p.consumer = $1 AND p.owner = $2
  AND ($3::int4[] IS NULL OR p.partition = ANY($3::int4[])) AND p.lease_until > clock_timestamp()
ORDER BY p.partition`,
    /** Every partition: checkpoint, owner, lease. */
    partitions: `SELECT ${PARTITION_COLUMNS}, p.owner,
  CASE WHEN p.lease_until > now() THEN p.owner END AS "leasedBy",
  (extract(epoch FROM p.updated_at) * 1000)::float8 AS "updatedMs"
FROM ${cp} AS p WHERE p.consumer = $1 ORDER BY p.partition`,
    /**
     * The keys parked in partition $2 (one row per dead letter), locked against their removal
     * (`FOR KEY SHARE` conflicts with a replay's DELETE) until the batch's transaction ends: a
     * replay that removes a key's last dead letter waits, and then sees the events the batch
     * parked behind it; a batch that reads after such a removal sees the key free.
     */
    parkedKeys: `SELECT key FROM ${dl} WHERE consumer = $1 AND partition = $2::int4 FOR KEY SHARE`,
    /**
     * Parks events $2 (uuid[]), created at $3 (epoch ms, float8[], one per id), of partition
     * $4 after $5 attempts, with error $6. The row's own `created_at` and `tx_id` are kept.
     */
    park: `INSERT INTO ${dl}
  (consumer, event_id, event_created_at, position_tx_id, partition, key, attempts, last_error)
SELECT $1, l.id, l.created_at, l.tx_id, $4::int4, ${CONSUMER_KEY}, $5::int4, $6
FROM unnest($2::uuid[], $3::float8[]) AS e(id, ms)
JOIN ${names.eventLogs} AS l ON l.id = e.id
  AND l.created_at >= to_timestamp((e.ms - 1) / 1000.0) AND l.created_at < to_timestamp((e.ms + 1) / 1000.0)
ON CONFLICT (consumer, event_id) DO NOTHING`,
    deadLetterCount: `SELECT count(*)::int4 AS n FROM ${dl} WHERE consumer = $1`,
    /** The dead letters, of key $2 when not NULL, in order, at most $3. */
    deadLetters: `SELECT event_id::text AS "eventId", key, partition, attempts,
  last_error AS "lastError", (extract(epoch FROM parked_at) * 1000)::float8 AS "parkedMs"
FROM ${dl} WHERE consumer = $1 AND ($2::text IS NULL OR key = $2)
ORDER BY key, position_tx_id, event_id LIMIT $3::int4`,
    /** The keys that have dead letters ($2: only that key, when not NULL). */
    deadKeys: `SELECT DISTINCT key FROM ${dl} WHERE consumer = $1 AND ($2::text IS NULL OR key = $2)`,
    /**
     * Takes (for this transaction) the replay of key $2's dead letters; false while another
     * transaction holds it.
     */
    lockKey: `SELECT pg_try_advisory_xact_lock(hashtext('eventrail.dead:' || $1 || ':' || $2)) AS locked`,
    /**
     * The first dead letter of key $2, with its event's columns and `tx` (NULL when retention
     * removed the event).
     */
    firstDead: `SELECT d.event_id::text AS "deadId", ev.*
FROM ${dl} AS d LEFT JOIN LATERAL (SELECT ${EVENT_COLUMNS}, tx_id::text AS "tx" FROM ${names.eventLogs}
  WHERE id = d.event_id AND created_at = d.event_created_at) AS ev ON true
WHERE d.consumer = $1 AND d.key = $2 ORDER BY d.position_tx_id, d.event_id LIMIT 1`,
    /** Removes dead letter $2. */
    unpark: `DELETE FROM ${dl} WHERE consumer = $1 AND event_id = $2::uuid`,
    /**
     * Counts one more failed attempt of dead letter $2 (error $3), and withdraws the request
     * of its key $4 (`requested_at`): it waits for another.
     */
    failedAgain: `UPDATE ${dl} SET requested_at = NULL,
  attempts = attempts + (event_id = $2::uuid)::int4,
  last_error = CASE WHEN event_id = $2::uuid THEN $3 ELSE last_error END
WHERE consumer = $1 AND key = $4`,
    /** Asks the members to send back the dead letters of key $2 (all when NULL); returns them. */
    request: `UPDATE ${dl} SET requested_at = now()
WHERE consumer = $1 AND ($2::text IS NULL OR key = $2)`,
    /** The keys whose dead letters were asked back. */
    requestedKeys: `SELECT DISTINCT key FROM ${dl} WHERE consumer = $1 AND requested_at IS NOT NULL`,
    /** Removes the dead letters of key $2 (all of them when NULL); returns how many. */
    purge: `DELETE FROM ${dl} WHERE consumer = $1 AND ($2::text IS NULL OR key = $2)`,
  } as const;
}

/** The statements of {@link consumerSql}. @internal */
export type ConsumerSql = ReturnType<typeof consumerSql>;
