import type { EventRecord } from '../../event/types.js';
import type { Session } from '../driver/types.js';
import type { TableNames } from '../sql/names.js';
import { eventConditions, filterConditions, SqlParameters } from '../sql/queries.js';
import { type StreamSql, streamSql } from '../sql/stream.js';
import type { ResolvedFilters } from './filters.js';
import { NIL_ID, type StreamPosition } from './position.js';
import { type EventRow, toRecord } from './records.js';
import type { ResolvedScope } from './scope.js';

/** An event read in commit order, and where it stands in that order. @internal */
export interface CommittedEvent {
  readonly record: EventRecord;
  readonly position: StreamPosition;
}

/**
 * Reads of the events that committed, in commit order (see `streamSql`), of one scope (or of
 * every scope) and filters: what the durable consumers and replay read, as the live stream's
 * subscribers read their history. @internal
 */
export interface CommittedReads {
  /**
   * The settled mark now, as a position: every row before it has committed (or rolled back) for
   * good, and no row can ever appear before it again.
   */
  mark(): Promise<StreamPosition>;
  /** The rows after `from` and up to `upTo` (a mark read before), at most `limit`, in order. */
  after(from: StreamPosition, upTo: StreamPosition, limit: number): Promise<CommittedEvent[]>;
  /** How many rows {@link after} would read from `from` up to `upTo`, without a limit. */
  count(from: StreamPosition, upTo: StreamPosition): Promise<number>;
}

/** The settled mark now, as a position: no row can ever commit before it. @internal */
export async function readSettledMark(
  session: Pick<Session, 'query'>,
  sql: Pick<StreamSql, 'settledMark'>,
): Promise<StreamPosition> {
  const { rows } = await session.query<{ tx: string }>(sql.settledMark);
  return { tx: (rows[0] as { tx: string }).tx, id: NIL_ID };
}

/** {@link CommittedReads} over `executor`; `scope` undefined reads every scope. @internal */
export function committedReads(
  executor: Session,
  names: TableNames,
  scope: ResolvedScope | undefined,
  filters: ResolvedFilters,
): CommittedReads {
  const sql = streamSql(names);
  /** The conditions of the scope and filters, and the bounds after `from` and up to `upTo`. */
  const range = (p: SqlParameters, from: StreamPosition, upTo: StreamPosition) =>
    [
      scope ? eventConditions(p, scope, filters) : filterConditions(p, filters),
      `(${p.add(from.tx, 'xid8')}, ${p.add(from.id, 'uuid')})`,
      `(${p.add(upTo.tx, 'xid8')}, ${p.add(upTo.id, 'uuid')})`,
    ] as const;
  return {
    mark: () => readSettledMark(executor, sql),
    async after(from, upTo, limit) {
      const p = new SqlParameters();
      const text = sql.history(...range(p, from, upTo), p.add(limit, 'int4'));
      const { rows } = await executor.query<EventRow & { tx: string }>(text, p.values);
      return rows.map((row) => ({ record: toRecord(row), position: { tx: row.tx, id: row.id } }));
    },
    async count(from, upTo) {
      const p = new SqlParameters();
      const { rows } = await executor.query<{ n: number }>(
        sql.count(...range(p, from, upTo)),
        p.values,
      );
      return (rows[0] as { n: number }).n;
    },
  };
}
