import { ENVELOPE_COLUMN_LIST, ENVELOPE_ROWS_FROM_JSON } from './event-rows.js';
import type { TableNames } from './names.js';

/**
 * Inserts one batch, given as the JSON parameter made by `eventRowsJson`. Rows whose id exists
 * already are skipped, so a batch retried after an unclear failure never duplicates a row.
 * @internal
 */
export function insertEventLogsSql(names: TableNames): string {
  return `INSERT INTO ${names.eventLogs} (${ENVELOPE_COLUMN_LIST})
${ENVELOPE_ROWS_FROM_JSON}
ON CONFLICT ("id", "created_at") DO NOTHING`;
}
