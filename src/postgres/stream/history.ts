import { ValidationError } from '../../errors.js';
import type { Executor } from '../driver/types.js';
import { readSettledMark } from '../read/committed.js';
import { type ResolvedFilters, resolveFilters } from '../read/filters.js';
import type { StreamPosition } from '../read/position.js';
import { type EventRow, toRecord } from '../read/records.js';
import type { ResolvedScope } from '../read/scope.js';
import { eventConditions, SqlParameters } from '../sql/queries.js';
import type { StreamSql } from '../sql/stream.js';
import type { StreamItem } from './subscription.js';

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
  /** The stream position of the event (of its scope) a list cursor points at. */
  positionOf(id: string): Promise<StreamPosition>;
  /** The settled mark now: no row can ever commit before it. */
  mark(): Promise<StreamPosition>;
}

/** The reads of a subscriber of `scope` and `filters`. @internal */
export function subscriberReads(
  executor: Executor,
  sql: StreamSql,
  scope: ResolvedScope,
  filters: ResolvedFilters,
): SubscriberReads {
  return {
    async history(from, upTo, limit) {
      const p = new SqlParameters();
      const where = eventConditions(p, scope, filters);
      const text = sql.history(
        where,
        `(${p.add(from.tx, 'xid8')}, ${p.add(from.id, 'uuid')})`,
        `(${p.add(upTo.tx, 'xid8')}, ${p.add(upTo.id, 'uuid')})`,
        p.add(limit, 'int4'),
      );
      return (await executor.query<StreamRow>(text, p.values)).rows.map(itemOf);
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
  };
}
