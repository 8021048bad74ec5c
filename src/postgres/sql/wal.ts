import type { TableNames } from './names.js';

/**
 * The prefix of the logical messages that carry one schema's events in the WAL:
 * `eventrail:<schema>`. A relay of that schema takes the messages with it and ignores the rest.
 * @internal
 */
export function walPrefix(names: TableNames): string {
  return `eventrail:${names.schema}`;
}

/**
 * Statements of the WAL transport. `emit` writes each element of $2 (the JSON array of
 * `eventRowsJson`; a `json` value keeps each element's text as given) as one transactional
 * logical message with prefix $1: in the WAL only, decoded at commit, gone with a rollback.
 * @internal
 */
export const walSql = {
  emit: `SELECT count(pg_logical_emit_message(true, $1, e::text))::int AS emitted
  FROM json_array_elements($2::json) AS e`,
} as const;

/**
 * What the relay checks and creates before it reads: the server's `wal_level`, whether the role
 * may replicate, the slot and its publication. @internal
 */
export const walSetupSql = {
  settings: `SELECT current_setting('wal_level') AS wal_level,
  (SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user) AS may_replicate`,
  slot: `SELECT plugin, database, wal_status FROM pg_replication_slots WHERE slot_name = $1`,
  createSlot: `SELECT pg_create_logical_replication_slot($1, 'pgoutput')`,
  publication: 'SELECT 1 AS found FROM pg_publication WHERE pubname = $1',
  /** A publication of no table: the messages need none. $1 is a checked slot name. */
  createPublication: (name: string) => `CREATE PUBLICATION "${name}"`,
} as const;
