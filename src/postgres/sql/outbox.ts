import { envelopeInsert, envelopeSelectList } from './event-rows.js';
import { quoteIdentifier, type TableNames } from './names.js';

/** Postgres truncates identifiers (and refuses channel names) longer than this. */
const MAX_IDENTIFIER = 63;

/**
 * The NOTIFY channel of one schema's outbox: `<schema>.event_outbox`, cut to 63 characters. Two
 * schemas whose names share their first 55 characters would share a channel; a wake-up meant for
 * the other is harmless, since NOTIFY is only a hint to look.
 * @internal
 */
export function outboxChannel(names: TableNames): string {
  return `${names.schema}.event_outbox`.slice(0, MAX_IDENTIFIER);
}

/** A string literal of a channel name (validated identifiers and dots only, so no quote inside). */
const literal = (text: string) => `'${text}'`;

/**
 * Statements of the transactional outbox. Every row set travels as one JSON parameter, so that
 * `pg`, PGlite and drizzle pass them alike. @internal
 */
export function outboxSql(names: TableNames) {
  const t = names.eventOutbox;
  const channel = outboxChannel(names);
  const notify = `pg_notify(${literal(channel)}, '')`;
  /**
   * Joined to the result of a claim or a settlement: its transaction commits without waiting for
   * the WAL flush (`synchronous_commit` off until the statement's own commit). Losing the last of
   * these in a database crash only leaves rows pending that were published, so they are
   * published again, which at-least-once delivery allows; the writer's transactions, which
   * create the events, are untouched.
   */
  const noFlushWait = `(SELECT set_config('synchronous_commit', 'off', true)) AS no_flush_wait`;
  /**
   * `update` (an UPDATE ... RETURNING o.id) of the rows whose ids `given` lists, as a statement
   * that commits without the flush wait and answers with one row: how many rows it settled, the
   * given ids it did not (`lost`, comma-separated, usually empty) and the database's `now()` in
   * epoch ms. One row, not one per settled row: a settlement of 1000 rows costs about a fifth less.
   */
  const settling = (update: string, given: string) => `WITH settled AS (${update})
    SELECT (SELECT count(*) FROM settled)::int AS settled,
      array_to_string(ARRAY(${given} EXCEPT SELECT id FROM settled), ',') AS lost,
      (extract(epoch from now()) * 1000)::float8 AS now_ms
    FROM ${noFlushWait}`;

  /**
   * Due, unleased pending rows, oldest first, locked and skipped by other claims. With
   * `ordered`, a row whose aggregate has an older pending row (in flight, waiting for a retry,
   * or not yet claimed) is not due yet.
   */
  const due = (ordered: boolean) => `SELECT c.id FROM ${t} AS c
     WHERE c.status = 'pending' AND c.next_retry_at <= now()
       AND (c.locked_until IS NULL OR c.locked_until <= now())${
         ordered
           ? `
       AND (c.aggregate_id IS NULL OR NOT EXISTS (
         SELECT 1 FROM ${t} AS older
          WHERE older.aggregate_id = c.aggregate_id AND older.status = 'pending'
            AND (older.created_at, older.id) < (c.created_at, c.id)))`
           : ''
       }
     ORDER BY c.next_retry_at, c.created_at
     LIMIT $1
     FOR UPDATE SKIP LOCKED`;

  /**
   * $1 limit, $2 lease in ms, $3 lease token. Returns the claimed rows, oldest first. The update
   * finds the due rows by a primary-key probe each (`= ANY(ARRAY(...))`): joined to the CTE, a
   * large claim was planned as a hash join over a scan of the whole table.
   */
  const claim = (ordered: boolean) => `WITH due AS (
    ${due(ordered)}
  ), claimed AS (
    UPDATE ${t} AS o
       SET locked_until = now() + $2 * interval '1 millisecond', locked_by = $3
     WHERE o.id = ANY(ARRAY(SELECT id FROM due))
    RETURNING ${envelopeSelectList('o')}, o.retry_count AS retry_count
  )
  SELECT claimed.* FROM claimed, ${noFlushWait} ORDER BY t, a`;

  return {
    /** The channel, as NOTIFY names it. */
    channel,
    /** `LISTEN` on the channel. */
    listen: `LISTEN ${quoteIdentifier(channel)}`,
    /** `UNLISTEN` the channel. */
    unlisten: `UNLISTEN ${quoteIdentifier(channel)}`,
    /**
     * Inserts the rows of `eventRowsJson($1)` as pending; with `wake`, also notifies the channel
     * (delivered on commit, once per transaction). An id that exists already is skipped. The
     * trace columns are named only when `traced` (see `envelopeInsert`).
     */
    insert: (wake: boolean, traced: boolean) => {
      const { columns, rows } = envelopeInsert(traced);
      const insert = `INSERT INTO ${t} (${columns})
${rows}
ON CONFLICT ("id") DO NOTHING`;
      if (!wake) return insert;
      return `WITH inserted AS (
${insert}
RETURNING 1
)
SELECT ${notify} FROM (SELECT 1 FROM inserted LIMIT 1) AS one`;
    },
    claim: claim(false),
    /** The claim of `ordering: 'aggregate'`. */
    claimOrdered: claim(true),
    /**
     * Settles claimed rows, but only those this claim still holds ($2, the lease token): a claim
     * whose lease expired and was taken over changes nothing. $1: JSON array of
     * `{ id, outcome: 'published' | 'retry' | 'failed' | 'release', delay_ms, error }`.
     * `release` gives the row back untouched. Answers as `settling` says.
     */
    settle: settling(
      `UPDATE ${t} AS o SET
      status = CASE r.outcome WHEN 'published' THEN 'published'
                              WHEN 'failed' THEN 'failed' ELSE 'pending' END,
      published_at = CASE WHEN r.outcome = 'published' THEN now() ELSE o.published_at END,
      retry_count = o.retry_count + CASE WHEN r.outcome IN ('retry', 'failed') THEN 1 ELSE 0 END,
      next_retry_at = CASE WHEN r.outcome = 'retry'
                           THEN now() + r.delay_ms * interval '1 millisecond'
                           ELSE o.next_retry_at END,
      last_error = COALESCE(r.error, o.last_error),
      locked_until = NULL,
      locked_by = NULL
    FROM json_to_recordset($1::json) AS r(id uuid, outcome text, delay_ms float8, error text)
    WHERE o.id = r.id AND o.locked_by = $2 AND o.status = 'pending'
    RETURNING o.id`,
      'SELECT r.id FROM json_to_recordset($1::json) AS r(id uuid)',
    ),
    /**
     * The settle of a batch that was published whole: $1 the ids as an array literal
     * (`{id,id}`, text, so that every driver passes it alike), $2 the lease token. Same fence
     * and answer as `settle`, without a JSON document to build and parse per row.
     */
    settlePublished: settling(
      `UPDATE ${t} AS o SET
      status = 'published', published_at = now(), locked_until = NULL, locked_by = NULL
    WHERE o.id = ANY($1::uuid[]) AND o.locked_by = $2 AND o.status = 'pending'
    RETURNING o.id`,
      'SELECT unnest($1::uuid[])',
    ),
    /** Pending rows and the age of the oldest, in ms (NULL when none). */
    pending: `SELECT count(*)::int AS pending,
      (extract(epoch from now() - min(created_at)) * 1000)::float8 AS oldest_ms
      FROM ${t} WHERE status = 'pending'`,
    /** Row counts by status and event type. */
    stats: `SELECT status, event_type, count(*)::int AS n FROM ${t} GROUP BY status, event_type`,
    /**
     * Failed rows back to pending, due now, with retry_count 0, then a wake-up. Each filter is a
     * JSON array or NULL (no filter): $1 ids, $2 event types, $3 aggregate ids. Returns `n`.
     */
    reprocess: `WITH back AS (
      UPDATE ${t} SET status = 'pending', retry_count = 0, next_retry_at = now(),
                      locked_until = NULL, locked_by = NULL
       WHERE status = 'failed'
         AND ($1::json IS NULL OR id IN (SELECT value::uuid FROM json_array_elements_text($1::json)))
         AND ($2::json IS NULL OR event_type IN (SELECT json_array_elements_text($2::json)))
         AND ($3::json IS NULL OR aggregate_id IN (SELECT json_array_elements_text($3::json)))
      RETURNING 1
    ), woken AS (
      SELECT ${notify} FROM (SELECT 1 FROM back LIMIT 1) AS one
    )
    SELECT (SELECT count(*)::int FROM back) AS n, (SELECT count(*) FROM woken) AS woken`,
    /** Deletes up to $2 rows published before $1 (epoch ms), found by one scan, deleted by ctid. */
    purge: `DELETE FROM ${t} WHERE status = 'published' AND ctid = ANY(ARRAY(
      SELECT ctid FROM ${t}
       WHERE status = 'published' AND published_at < to_timestamp($1 / 1000.0)
       LIMIT $2))`,
  } as const;
}

/** The statements of {@link outboxSql}. @internal */
export type OutboxSql = ReturnType<typeof outboxSql>;
