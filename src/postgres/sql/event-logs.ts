import { envelopeInsert } from './event-rows.js';
import type { TableNames } from './names.js';

/**
 * Inserts one batch, given as the JSON parameter made by `eventRowsJson`. Rows whose id exists
 * already are skipped, so a batch retried after an unclear failure never duplicates a row: the
 * key is `(id, created_at)` since event_logs is partitioned, and a retried event carries the same
 * `created_at` (fixed when it was logged). The conflict target is left out so that the statement
 * works with the key of either layout (`id` before migration 0002), e.g. during an upgrade.
 * @internal
 */
export function insertEventLogsSql(names: TableNames, traced: boolean): string {
  const { columns, rows } = envelopeInsert(traced);
  return `INSERT INTO ${names.eventLogs} (${columns})
${rows}
ON CONFLICT DO NOTHING`;
}

/** Copies one batch (the data made by `eventRowsCopy`): all rows or none, and no skipping. @internal */
export function copyEventLogsSql(names: TableNames, traced: boolean): string {
  return `COPY ${names.eventLogs} (${envelopeInsert(traced).columns}) FROM STDIN`;
}
