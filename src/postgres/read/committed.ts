import type { EventRecord } from '../../event/types.js';
import type { Session } from '../driver/types.js';
import { partitionOf } from '../sql/consumer.js';
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

/** Some of the partitions of a durable consumer: `owned` among `count`. @internal */
export interface Partitions {
  readonly count: number;
  readonly owned: readonly number[];
}

/** A {@link CommittedEvent} of a durable consumer's read: its partition. @internal */
export interface PartitionedEvent extends CommittedEvent {
  readonly partition: number;
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
  /**
   * As {@link after}, only the rows whose partition among `partitions.count` (see
   * `partitionOf`) is one of `partitions.owned`, each with its partition.
   */
  afterIn(
    from: StreamPosition,
    upTo: StreamPosition,
    limit: number,
    partitions: Partitions,
  ): Promise<PartitionedEvent[]>;
  /**
   * How many rows {@link afterIn} would read without a limit, counted up to `cap`, and the
   * time (epoch ms) the oldest of those counted was created (null when none).
   */
  lagIn(
    from: StreamPosition,
    upTo: StreamPosition,
    partitions: Partitions,
    cap: number,
  ): Promise<{ readonly events: number; readonly oldestMs: number | null }>;
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

/**
 * The settled mark now, and where what exists now ends: the snapshot's xmax, as a position
 * (every row that committed before now is below it; some below it may not have settled yet).
 * @internal
 */
export async function readStartMarks(
  session: Pick<Session, 'query'>,
  sql: Pick<StreamSql, 'startMarks'>,
): Promise<{ readonly settled: StreamPosition; readonly end: StreamPosition }> {
  const { rows } = await session.query<{ tx: string; end: string }>(sql.startMarks);
  const row = rows[0] as { tx: string; end: string };
  return { settled: { tx: row.tx, id: NIL_ID }, end: { tx: row.end, id: NIL_ID } };
}

type Row = EventRow & { tx: string };

const committed = (row: Row): CommittedEvent => ({
  record: toRecord(row),
  position: { tx: row.tx, id: row.id },
});

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
  /** As `range`, with the condition of being in one of `partitions`, and the partition's SQL. */
  const inPartitions = (
    p: SqlParameters,
    from: StreamPosition,
    upTo: StreamPosition,
    partitions: Partitions,
  ) => {
    const [where, after, before] = range(p, from, upTo);
    const partition = partitionOf(p.add(partitions.count, 'int4'));
    const owned = `${partition} = ANY(${p.add(partitions.owned, 'int4[]')})`;
    return [`${where} AND ${owned}`, after, before, partition] as const;
  };
  return {
    mark: () => readSettledMark(executor, sql),
    async after(from, upTo, limit) {
      const p = new SqlParameters();
      const text = sql.history(...range(p, from, upTo), p.add(limit, 'int4'));
      const { rows } = await executor.query<Row>(text, p.values);
      return rows.map(committed);
    },
    async afterIn(from, upTo, limit, partitions) {
      const p = new SqlParameters();
      const [where, after, before, partition] = inPartitions(p, from, upTo, partitions);
      const text = sql.history(
        where,
        after,
        before,
        p.add(limit, 'int4'),
        `, ${partition} AS "partition"`,
      );
      const { rows } = await executor.query<Row & { partition: number }>(text, p.values);
      return rows.map((row) => ({ ...committed(row), partition: row.partition }));
    },
    async lagIn(from, upTo, partitions, cap) {
      const p = new SqlParameters();
      const [where, after, before] = inPartitions(p, from, upTo, partitions);
      const { rows } = await executor.query<{ n: number; oldest: number | null }>(
        sql.countCapped(where, after, before, p.add(cap, 'int4')),
        p.values,
      );
      const row = rows[0] as { n: number; oldest: number | null };
      return { events: row.n, oldestMs: row.oldest };
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
