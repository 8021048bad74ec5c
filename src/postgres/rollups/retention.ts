import type { Session } from '../driver/types.js';
import type { StreamPosition } from '../read/position.js';
import type { TableNames } from '../sql/names.js';
import { lockAllRollups, type RollupSql, rollupSql } from '../sql/rollups.js';
import { storedShape } from './definition.js';

/**
 * What retention does to the rollups, in the transaction that removes events: `lock()` first
 * (before any lock on event_logs, the order a fold takes them in), then `remove(relation,
 * cutoffMs)` before each partition (or the default partition's expired rows) goes, then
 * `done(beforeMs)`. Each rollup loses exactly the events it held of what goes (those of a day an
 * incomplete rollup has not built yet: the rows below zero `done` removes). @internal
 */
export interface RollupRetention {
  lock(): Promise<void>;
  remove(relation: string, cutoffMs: number | null): Promise<void>;
  done(beforeMs: number): Promise<void>;
}

/** {@link RollupRetention} on `session`, for every rollup made (none: nothing to do). @internal */
export function rollupRetention(session: Session, names: TableNames): RollupRetention {
  let held: { readonly sql: RollupSql; readonly checkpoint: StreamPosition }[] = [];
  return {
    async lock() {
      const { rows } = await session.query<StreamPosition & { name: string; definition: unknown }>(
        lockAllRollups(names),
      );
      held = rows.map((row) => ({
        sql: rollupSql(names, storedShape(names, row.name, row.definition)),
        checkpoint: { tx: row.tx, id: row.id },
      }));
    },
    async remove(relation, cutoffMs) {
      for (const { sql, checkpoint } of held) {
        await session.query(sql.unfold(relation), [checkpoint.tx, checkpoint.id, cutoffMs]);
      }
    },
    async done(beforeMs) {
      for (const { sql } of held) await session.query(sql.dropEmpty, [beforeMs]);
    },
  };
}
