import type { TableNames } from './names.js';

/** The horizon as {@link horizonSql}'s `read` returns it (no row until the first removal). @internal */
export interface HorizonRow {
  readonly expired_before_ms: number;
  readonly through_tx: string;
  readonly through_id: string;
}

/**
 * Statements of the retention horizon (migration 0007): what `maintain` removed, so that a
 * position or a time older than what is kept fails loudly instead of skipping to what is left.
 * @internal
 */
export function horizonSql(names: TableNames) {
  const t = names.retentionHorizon;
  return {
    read: `SELECT (extract(epoch FROM expired_before) * 1000)::float8 AS expired_before_ms,
  through_tx_id::text AS through_tx, through_id::text AS through_id FROM ${t} WHERE id = 1`,
    /**
     * The horizon as one text value for a column of another statement, read in that statement's
     * snapshot: `<expired before, epoch ms> <through tx> <through id>`, NULL while there is none.
     */
    packed: `(SELECT (extract(epoch FROM expired_before) * 1000)::float8::text || ' ' ||
  through_tx_id::text || ' ' || through_id::text FROM ${t} WHERE id = 1)`,
    /**
     * The highest stream position of the rows of `relation` created before $1 (epoch ms; NULL:
     * every row), or no row. `relation` is an eventrail partition's quoted name.
     */
    lastPosition: (relation: string) => `SELECT tx_id::text AS tx, id::text AS id FROM ${relation}
  WHERE $1::float8 IS NULL OR created_at < to_timestamp($1 / 1000.0)
  ORDER BY tx_id DESC, id DESC LIMIT 1`,
    /**
     * Raises the horizon to rows created before $1 (epoch ms) and through position ($2 tx, $3 id)
     * removed: each part moves only forward.
     */
    raise: `INSERT INTO ${t} AS h (id, expired_before, through_tx_id, through_id)
VALUES (1, to_timestamp($1 / 1000.0), $2::xid8, $3::uuid)
ON CONFLICT (id) DO UPDATE SET
  expired_before = greatest(h.expired_before, excluded.expired_before),
  through_tx_id = CASE WHEN (excluded.through_tx_id, excluded.through_id) > (h.through_tx_id, h.through_id)
    THEN excluded.through_tx_id ELSE h.through_tx_id END,
  through_id = CASE WHEN (excluded.through_tx_id, excluded.through_id) > (h.through_tx_id, h.through_id)
    THEN excluded.through_id ELSE h.through_id END,
  updated_at = now()`,
  } as const;
}
