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
import type { Snapshot } from './wal/snapshot.js';

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
  /**
   * As `checkedHistory`, only the rows whose transaction had committed in `visible.in` and had
   * not in `visible.before` (when given): a round of the history of a stream from the WAL.
   */
  visibleHistory(
    from: StreamPosition,
    upTo: StreamPosition,
    limit: number,
    visible: Visibility,
  ): Promise<{ readonly items: StreamItem[]; readonly horizon: Horizon | undefined }>;
  /** The stream position of the event (of its scope) a list cursor points at. */
  positionOf(id: string): Promise<StreamPosition>;
  /** The settled mark now: no row can ever commit before it. */
  mark(): Promise<StreamPosition>;
  /** A snapshot (as text) and its settled mark (`tx`), read in one statement. */
  snapshotMark(): Promise<{ readonly snapshot: string; readonly tx: string }>;
  /** The settled mark now, and the end of what exists now (see `readStartMarks`). */
  startMarks(): ReturnType<typeof readStartMarks>;
}

/** Which transactions' rows a read takes: committed in one snapshot, and not in another. @internal */
export interface Visibility {
  readonly in: Snapshot;
  readonly before: Snapshot | undefined;
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
    visible?: Visibility,
  ) => {
    const p = new SqlParameters();
    let where = eventConditions(p, scope, filters);
    if (visible !== undefined) {
      where += ` AND ${sql.visibleIn(p.add(visible.in.text, 'pg_snapshot'))}`;
      if (visible.before)
        where += ` AND NOT ${sql.visibleIn(p.add(visible.before.text, 'pg_snapshot'))}`;
    }
    const text = sql.history(
      where,
      `(${p.add(from.tx, 'xid8')}, ${p.add(from.id, 'uuid')})`,
      `(${p.add(upTo.tx, 'xid8')}, ${p.add(upTo.id, 'uuid')})`,
      p.add(limit, 'int4'),
      extra,
    );
    return (await executor.query<R>(text, p.values)).rows;
  };
  const checked = async (
    from: StreamPosition,
    upTo: StreamPosition,
    limit: number,
    visible?: Visibility,
  ) => {
    const rows = await read<HorizonRow>(from, upTo, limit, sql.withHorizon, visible);
    return { items: rows.map(itemOf), horizon: unpackHorizon(rows[0]?.horizon ?? null) };
  };
  return {
    history: async (from, upTo, limit) => (await read(from, upTo, limit)).map(itemOf),
    checkedHistory: (from, upTo, limit) => checked(from, upTo, limit),
    visibleHistory: (from, upTo, limit, visible) => checked(from, upTo, limit, visible),
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
    async snapshotMark() {
      const { rows } = await executor.query<{ snapshot: string; tx: string }>(sql.snapshotMark);
      return rows[0] as { snapshot: string; tx: string };
    },
    startMarks: () => readStartMarks(executor, sql),
  };
}
