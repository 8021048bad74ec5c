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
