import type { EventRecord } from '../../../event/types.js';
import { toRecord } from '../../read/records.js';
import type { WalInsert } from '../../wal/replication.js';

/** A `timestamptz` as text in DateStyle ISO and TimeZone UTC (`TEXT_FORMAT`): `2026-12-07 11:40:00.123456+00`. */
const parseTime = (value: string) => new Date(`${value.replace(' ', 'T')}:00`);

/** The `EventRecord` field of each `event_logs` column that is not its name in camelCase. */
const RENAMED: Readonly<Record<string, string>> = { event_type: 'type', payload: 'payloadJson' };

const camel = (column: string) =>
  RENAMED[column] ?? column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** How a column's text is read, where it is not kept as text. */
const PARSE: Readonly<Record<string, (value: string) => unknown>> = {
  occurred_at: parseTime,
  created_at: parseTime,
  priority: Number,
};

/** An `event_logs` row as the WAL gave it: its event, and the transaction that wrote it. @internal */
export interface WalRow {
  readonly record: EventRecord;
  /** `tx_id`, as decimal text. */
  readonly tx: string;
}

/**
 * The event of a row inserted into `event_logs` (pgoutput's text format, as `SELECT` would
 * give it to `toRecord`). Columns the record does not have (`tx_id`, a host's own) are left out
 * of it.
 * @internal
 */
export function walRow(insert: WalInsert): WalRow {
  const row: Record<string, unknown> = {};
  let tx = '0';
  insert.columns.forEach((column, i) => {
    const value = insert.values[i] ?? null;
    if (column === 'tx_id') tx = value ?? '0';
    else row[camel(column)] = value === null ? null : (PARSE[column]?.(value) ?? value);
  });
  return { record: toRecord(row as Parameters<typeof toRecord>[0]), tx };
}
