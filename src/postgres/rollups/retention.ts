import type { Session } from '../driver/types.js';
import type { StreamPosition } from '../read/position.js';
import type { TableNames } from '../sql/names.js';
import { EVENTS_ROLLUP, rollupSql } from '../sql/rollups.js';

/**
 * What retention does to the rollup, in the transaction that removes events: `lock()` first
 * (before any lock on event_logs, the order a fold takes them in), then `remove(relation,
 * cutoffMs)` before each partition (or the default partition's expired rows) goes, then
 * `done(beforeMs)`. The rollup loses exactly the events it held of what goes (those of a day
 * an incomplete rollup has not built yet: the rows below zero `done` removes). @internal
 */
export interface RollupRetention {
  lock(): Promise<void>;
  remove(relation: string, cutoffMs: number | null): Promise<void>;
  done(beforeMs: number): Promise<void>;
}

/** {@link RollupRetention} on `session`; nothing to do when no rollup was made. @internal */
export function rollupRetention(session: Session, names: TableNames): RollupRetention {
  const sql = rollupSql(names);
  let checkpoint: StreamPosition | undefined;
  return {
    async lock() {
      const { rows } = await session.query<StreamPosition>(sql.lock, [EVENTS_ROLLUP]);
      checkpoint = rows[0];
    },
    async remove(relation, cutoffMs) {
      if (checkpoint === undefined) return;
      await session.query(sql.unfold(relation), [checkpoint.tx, checkpoint.id, cutoffMs]);
    },
    async done(beforeMs) {
      if (checkpoint !== undefined) await session.query(sql.dropEmpty, [beforeMs]);
    },
  };
}
