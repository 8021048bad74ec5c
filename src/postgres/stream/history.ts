import { ValidationError } from '../../errors.js';
import type { Executor } from '../driver/types.js';
import { readSettledMark, readStartMarks } from '../read/committed.js';
import { type ResolvedFilters, resolveFilters } from '../read/filters.js';
import { type Horizon, unpackHorizon } from '../read/horizon.js';
import type { StreamPosition } from '../read/position.js';
import { type EventRow, toRecord } from '../read/records.js';
import type { ResolvedScope } from '../read/scope.js';
import { eventConditions, SqlParameters } from '../sql/queries.js';
import type { StreamSql } from '../sql/stream.js';
import type { StreamItem } from './subscription.js';

/** A row of `checkedHistory`: with the horizon (`horizonSql`'s `packed`). */
type HorizonRow = StreamRow & { readonly horizon: string | null };

/** A row as the stream reads it: the event, and its transaction. @internal */
export type StreamRow = EventRow & { readonly tx: string; readonly settled?: boolean };

/** The item of a row read for subscribers. @internal */
export const itemOf = (row: StreamRow): StreamItem => ({
  record: toRecord(row),
  position: { tx: row.tx, id: row.id },
});

const NO_FILTERS = resolveFilters({});

/** One subscriber's own reads, apart from the shared reader. @internal */
export interface SubscriberReads {
  /** The rows of its scope and filters after `from`, up to `upTo`, at most `limit`, in order. */
  history(from: StreamPosition, upTo: StreamPosition, limit: number): Promise<StreamItem[]>;
  /**
   * As `history`, with the retention horizon read in the same statement (so in the snapshot of
   * the rows), or undefined when none: meaningful only when some rows were read.
   */
  checkedHistory(
    from: StreamPosition,
    upTo: StreamPosition,
    limit: number,
  ): Promise<{ readonly items: StreamItem[]; readonly horizon: Horizon | undefined }>;
  /** The stream position of the event (of its scope) a list cursor points at. */
  positionOf(id: string): Promise<StreamPosition>;
  /** The settled mark now: no row can ever commit before it. */
  mark(): Promise<StreamPosition>;
  /** The settled mark now, and the end of what exists now (see `readStartMarks`). */
  startMarks(): ReturnType<typeof readStartMarks>;
}

/** The reads of a subscriber of `scope` and `filters`. @internal */
export function subscriberReads(
  executor: Executor,
  sql: StreamSql,
  scope: ResolvedScope,
  filters: ResolvedFilters,
): SubscriberReads {
  const read = async <R extends StreamRow>(
    from: StreamPosition,
    upTo: StreamPosition,
    limit: number,
    extra?: string,
  ) => {
    const p = new SqlParameters();
    const where = eventConditions(p, scope, filters);
    const text = sql.history(
      where,
      `(${p.add(from.tx, 'xid8')}, ${p.add(from.id, 'uuid')})`,
      `(${p.add(upTo.tx, 'xid8')}, ${p.add(upTo.id, 'uuid')})`,
      p.add(limit, 'int4'),
      extra,
    );
    return (await executor.query<R>(text, p.values)).rows;
  };
  return {
    history: async (from, upTo, limit) => (await read(from, upTo, limit)).map(itemOf),
    async checkedHistory(from, upTo, limit) {
      const rows = await read<HorizonRow>(from, upTo, limit, sql.withHorizon);
      return { items: rows.map(itemOf), horizon: unpackHorizon(rows[0]?.horizon ?? null) };
    },
    async positionOf(id) {
      const p = new SqlParameters();
      const text = sql.positionOf(eventConditions(p, scope, NO_FILTERS), p.add(id, 'uuid'));
      const { rows } = await executor.query<{ tx: string }>(text, p.values);
      const row = rows[0];
      if (row === undefined) {
        throw new ValidationError('options.from', 'VALIDATION_RANGE', 'its event no longer exists');
      }
      return { tx: row.tx, id };
    },
    mark: () => readSettledMark(executor, sql),
    startMarks: () => readStartMarks(executor, sql),
  };
}
