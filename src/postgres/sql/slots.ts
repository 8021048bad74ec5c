/**
 * Statements of the WAL transport's guardrails: the server's settings for logical decoding, the
 * replication slots and what they retain, creating and dropping a slot and its publication.
 * Slot and publication names are passed as parameters or quoted with `quoteIdentifier`.
 */
import { quoteIdentifier } from './names.js';

/** The WAL position now: the primary's insert position, or a standby's last received one. */
const CURRENT_LSN = `(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
  ELSE pg_current_wal_lsn() END)`;

/**
 * A slot as the row of `pg_replication_slots` in JSON (`to_jsonb`, so columns that only some
 * versions have, `conflicting`, `invalidation_reason`, `failover`, come when the server has
 * them), the WAL after its confirmed position and after its restart position in bytes, the
 * lag its walsender measured up to the confirmed (flushed) position (null with no reader, or
 * nothing measured), and how long ago the reader last replied.
 */
const SLOT_ROWS = `SELECT to_jsonb(s) AS slot,
  (${CURRENT_LSN} - s.confirmed_flush_lsn)::float8 AS "lagBytes",
  (${CURRENT_LSN} - s.restart_lsn)::float8 AS "retainedBytes",
  extract(epoch FROM r.flush_lag)::float8 AS "lagSeconds",
  extract(epoch FROM now() - r.reply_time)::float8 AS "replyAgeSeconds"
  FROM pg_replication_slots s LEFT JOIN pg_stat_replication r ON r.pid = s.active_pid`;

/** One row of {@link slotSql}'s `status` and `eventrail`. @internal */
export interface SlotRow {
  readonly slot: Readonly<Record<string, unknown>>;
  readonly lagBytes: number | null;
  readonly retainedBytes: number | null;
  readonly lagSeconds: number | null;
  readonly replyAgeSeconds: number | null;
}

/** The statements on replication slots. @internal */
export const slotSql = {
  /**
   * What the WAL transport needs of the server and the role: `wal_level`, the version,
   * the database, whether the current role may replicate, and `max_slot_wal_keep_size` in MB (-1: unlimited).
   */
  server: `SELECT current_setting('wal_level') AS "walLevel",
  current_setting('server_version_num')::int AS "versionNum", current_database() AS database,
  current_user AS role,
  r.rolreplication AS replication, r.rolsuper AS superuser,
  (SELECT setting::bigint FROM pg_settings WHERE name = 'max_slot_wal_keep_size')::float8 AS "keepSizeMb"
  FROM pg_roles r WHERE r.rolname = current_user`,
  /** The slot named $1. */
  status: `${SLOT_ROWS} WHERE s.slot_name = $1`,
  /** The logical slots of this database whose name starts with $1, or is one of $2. */
  ofDatabase: `${SLOT_ROWS} WHERE s.database = current_database() AND s.slot_type = 'logical'
  AND (starts_with(s.slot_name, $1) OR s.slot_name = ANY($2::text[])) ORDER BY s.slot_name`,
  /** Creates the logical slot $1 with pgoutput (not temporary, no two-phase). */
  create: `SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput', false, false)`,
  /** The same, as a failover slot (PostgreSQL 17 and later). */
  createFailover: `SELECT lsn::text FROM pg_create_logical_replication_slot($1, 'pgoutput', false, false, true)`,
  drop: 'SELECT pg_drop_replication_slot($1)',
  /** Ends the walsender reading the slot $1, if one does. */
  terminateReader: `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
  WHERE slot_name = $1 AND active_pid IS NOT NULL`,
  publicationExists: 'SELECT EXISTS (SELECT FROM pg_publication WHERE pubname = $1) AS "exists"',
  /** Creates an empty publication (messages need no table): DDL, so the name is quoted. */
  createPublication: (name: string) => `CREATE PUBLICATION ${quoteIdentifier(name)}`,
} as const;
