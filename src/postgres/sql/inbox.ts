import type { TableNames } from './names.js';

/** Statements of the consumer inbox. @internal */
export function inboxSql(names: TableNames) {
  const t = names.eventInbox;
  return {
    /**
     * $1 consumer, $2 event id. Returns a row when the id is new for the consumer; none when it
     * was recorded before. A concurrent transaction recording the same id makes this one wait
     * for its outcome (the primary key), so the work runs once whichever commits.
     */
    record: `INSERT INTO ${t} (consumer, event_id) VALUES ($1, $2)
      ON CONFLICT DO NOTHING RETURNING 1 AS recorded`,
    /** Deletes up to $2 rows of consumer $3 handled before $1 (epoch ms). */
    purge: `DELETE FROM ${t} WHERE ctid = ANY(ARRAY(
      SELECT ctid FROM ${t}
       WHERE handled_at < to_timestamp($1 / 1000.0) AND consumer = $3
       LIMIT $2))`,
    /** Deletes up to $2 rows of every consumer handled before $1 (epoch ms): maintain's purge. */
    purgeAll: `DELETE FROM ${t} WHERE ctid = ANY(ARRAY(
      SELECT ctid FROM ${t} WHERE handled_at < to_timestamp($1 / 1000.0) LIMIT $2))`,
  } as const;
}
