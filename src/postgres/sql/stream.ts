import { statementName } from '../driver/executor.js';
import { horizonSql } from './horizon.js';
import { quoteIdentifier, type TableNames } from './names.js';
import { EVENT_COLUMNS } from './queries.js';

/**
 * Opens the shared read, which runs on the LISTEN connection: `pg_stat_activity` shows the last
 * statement of each connection (cut to `track_activity_query_size`), so this names it there.
 * @internal
 */
export const READ_TAG = '/* eventrail stream: shared read */';

/**
 * The LISTEN connection's statement_timeout, below the listener's answer timeout
 * (`LISTEN_TIMEOUT_MS`, 10 s): a shared read the server is slow with (waiting for a lock a
 * migration holds) is ended by the server, which keeps the connection, rather than by the
 * listener, which drops it and leaves the backend waiting.
 */
const READ_STATEMENT_TIMEOUT_MS = 8000;

/** Postgres truncates identifiers (and refuses channel names) longer than this. */
const MAX_IDENTIFIER = 63;

/**
 * The settled mark of the statement's snapshot: the oldest transaction still open that may
 * write here, else the snapshot's xmax. A transaction seen running in another database cannot
 * write to this one's tables, so it does not hold the mark back (a shared server's long
 * transactions elsewhere would otherwise stall every stream), and neither can an autovacuum
 * worker's (an ANALYZE writes statistics, never events). Any open transaction not seen
 * elsewhere (not visible in pg_stat_activity to this role, already ended, prepared) counts as
 * this database's: unsure means wait, never skip.
 */
const SETTLED_MARK = `(SELECT coalesce(min(x), pg_snapshot_xmax(pg_current_snapshot()))
  FROM pg_snapshot_xip(pg_current_snapshot()) AS x
  WHERE NOT EXISTS (SELECT 1 FROM pg_stat_activity AS a
    WHERE a.backend_xid = x::xid AND (a.datname IS DISTINCT FROM current_database()
      OR a.backend_type = 'autovacuum worker')))`;

/**
 * Statements of the live stream (migration 0004). Rows are read in `(tx_id, id)` order, where
 * `tx_id` is the id of the transaction that wrote the row. A row is *settled* when its `tx_id` is
 * below the settled mark, the oldest transaction still open that may write here: every
 * transaction of this database below it has committed or rolled back, so no row can ever appear
 * below that mark again. Reading only settled rows is what makes a position in this order
 * final: a batch that got its transaction id first but commits last is read when it settles,
 * after the rows that committed before it, and never lands behind a subscriber.
 * @internal
 */
export function streamSql(names: TableNames) {
  const t = names.eventLogs;
  const channel = `${names.schema}.event_logs`.slice(0, MAX_IDENTIFIER);
  const columns = `${EVENT_COLUMNS}, tx_id::text AS "tx"`;
  const readAfter = `SELECT ${columns}, tx_id < ${SETTLED_MARK} AS "settled"
FROM ${t} WHERE (tx_id, id) > ($1::xid8, $2::uuid) ORDER BY tx_id, id LIMIT $3::int4`;
  const listenRead = `${READ_TAG} ${readAfter}`;
  return {
    /** The channel the insert trigger notifies once per statement, as NOTIFY names it. */
    channel,
    listen: `LISTEN ${quoteIdentifier(channel)}`,
    unlisten: `UNLISTEN ${quoteIdentifier(channel)}`,
    /** The oldest transaction still open: every row below it is settled. */
    settledMark: `SELECT ${SETTLED_MARK}::text AS "tx"`,
    /**
     * The settled mark (`tx`) and the snapshot's xmax (`end`), of one snapshot: every
     * transaction below `end` had committed, rolled back or was open then, so the rows that
     * existed then are all below it.
     */
    startMarks: `SELECT ${SETTLED_MARK}::text AS "tx", pg_snapshot_xmax(pg_current_snapshot())::text AS "end"`,
    /**
     * The shared read: every row after ($1 tx, $2 id), of every scope, in stream order, at most
     * $3, each with `settled`. Settled rows come first (they have the lowest tx ids); the reader
     * takes them and looks again later for the rest.
     */
    readAfter,
    /**
     * `readAfter` runs on every wake-up and, having no bound on `created_at`, plans over every
     * partition of event_logs (90 days kept: ~100, whose planning costs far more than the read).
     * On the LISTEN connection it runs as this statement: tagged, prepared under `name`, with
     * the settings of `session`.
     */
    listenRead: { text: listenRead, name: statementName(listenRead) },
    /**
     * Settings of the LISTEN connection, made for `listenRead`. Left to itself, Postgres plans
     * a prepared statement afresh at each run whenever that looks cheaper than its generic plan
     * (8–16 ms a read over 93 partitions with today's holding 50,000 rows, against 2–3 ms), and
     * a generic plan made while today's partition was small scans and sorts all of it at every
     * read as it grows. Here the generic plan is always used (made again when a partition is
     * added, dropped or analyzed), and it can only walk each partition's `(tx_id, id)` index in
     * order: the same few rows read whatever the statistics said. No JIT: that plan never needs it.
     * A read ends after `READ_STATEMENT_TIMEOUT_MS`.
     */
    session: `SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off;
SET enable_bitmapscan = off; SET enable_sort = off; SET jit = off;
SET statement_timeout = ${READ_STATEMENT_TIMEOUT_MS}`,
    /**
     * One subscriber's history: rows of its scope and filters (`where`) after `after` and up to
     * `upTo` (a position the shared reader has passed, so all settled), in stream order; with
     * `extra`, more columns (`, expression AS "name"`).
     */
    history: (where: string, after: string, upTo: string, limit: string, extra = '') =>
      `SELECT ${columns}${extra} FROM ${t} WHERE ${where} AND (tx_id, id) > ${after}
AND (tx_id, id) <= ${upTo} ORDER BY tx_id, id LIMIT ${limit}`,
    /**
     * The `extra` of a `history` that also reads the retention horizon (`horizonSql`'s
     * `packed`, as "horizon"), in the snapshot of its rows: no second round trip to check them.
     */
    withHorizon: `, ${horizonSql(names).packed} AS "horizon"`,
    /** How many rows `history` would read, without a limit. */
    count: (where: string, after: string, upTo: string) =>
      `SELECT count(*)::float8 AS "n" FROM ${t} WHERE ${where} AND (tx_id, id) > ${after}
AND (tx_id, id) <= ${upTo}`,
    /**
     * How many rows `history` would read, up to `cap`, and when the oldest of them was created
     * (epoch ms, or null).
     */
    countCapped: (where: string, after: string, upTo: string, cap: string) =>
      `SELECT count(*)::int4 AS "n", (extract(epoch FROM min(created_at)) * 1000)::float8 AS "oldest"
FROM (SELECT created_at FROM ${t} WHERE ${where} AND (tx_id, id) > ${after}
AND (tx_id, id) <= ${upTo} LIMIT ${cap}) AS capped`,
    /**
     * The snapshot of the statement (as text) and its settled mark: where a subscriber of a
     * stream from the WAL splits its history from its live events.
     */
    snapshotMark: `SELECT pg_current_snapshot()::text AS "snapshot", ${SETTLED_MARK}::text AS "tx"`,
    /**
     * The settled mark, and the WAL insert position (in bytes) read after the snapshot was
     * taken: every commit record at or after it is of a transaction at or above the mark.
     */
    floor: `SELECT ${SETTLED_MARK}::text AS "tx", (pg_current_wal_insert_lsn() - '0/0')::text AS "lsn"`,
    /** The condition that a row's transaction had committed in the snapshot `snapshot`. */
    visibleIn: (snapshot: string) => `pg_visible_in_snapshot(tx_id, ${snapshot})`,
    /** Where a row of the scope stands in stream order (a list cursor names the row). */
    positionOf: (where: string, id: string) =>
      `SELECT tx_id::text AS "tx" FROM ${t} WHERE ${where} AND id = ${id}`,
  };
}

/** The statements of {@link streamSql}. @internal */
export type StreamSql = ReturnType<typeof streamSql>;
