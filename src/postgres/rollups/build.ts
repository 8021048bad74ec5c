import { inTransaction } from '../driver/executor.js';
import type { Session } from '../driver/types.js';
import { readSettledMark } from '../read/committed.js';
import type { StreamPosition } from '../read/position.js';
import type { TableNames } from '../sql/names.js';
import type { RollupSql } from '../sql/rollups.js';
import { streamSql } from '../sql/stream.js';
import { type RollupShape, sameDefinition } from './definition.js';

const DAY_MS = 86_400_000;

/** How far a build or rebuild got: days of events folded again, of how many. */
export interface RollupProgress {
  /** Days done so far (each in one transaction). */
  readonly done: number;
  /** Days to do in all. */
  readonly total: number;
  /** The day (UTC midnight) just done. */
  readonly day: Date;
}

/**
 * Makes the rollup (a custom one's table, and its row at the settled mark, not complete) when
 * it does not exist; a custom rollup whose stored definition differs is started over (its table
 * made anew, not complete: reads go to the raw rows until it is built again). Resolves with
 * whether it was started over. @internal
 */
export async function createRollup(
  session: Session,
  names: TableNames,
  shape: RollupShape,
  sql: RollupSql,
): Promise<boolean> {
  return inTransaction(session, async () => {
    const mark = await readSettledMark(session, streamSql(names));
    const stored = shape.stored === null ? null : JSON.stringify(shape.stored);
    const start = [shape.name, mark.tx, mark.id, stored];
    const { rows } = await session.query<{ definition: unknown }>(sql.definition, [shape.name]);
    const changed = rows[0] !== undefined && !sameDefinition(rows[0].definition, shape);
    if (changed) await session.query(sql.dropTable);
    for (const statement of sql.createTable) await session.query(statement);
    await session.query(changed ? sql.reset : sql.create, start);
    return changed;
  });
}

/**
 * Folds again, in one transaction with the rollup's row locked, the events created in
 * `[from, to)` up to the checkpoint: the rows of those days are replaced at once, so a read
 * sees them before or after, never half. False when `lock` (the rollup's row, or a lease
 * check) found nothing. @internal
 */
export function refoldDays(
  session: Session,
  sql: RollupSql,
  from: Date | null,
  to: Date | null,
  lock: (session: Session) => Promise<StreamPosition | undefined>,
): Promise<boolean> {
  return inTransaction(session, async () => {
    const at = await lock(session);
    if (at === undefined) return false;
    await session.query(sql.refold.remove, [from, to]);
    await session.query(sql.refold.fold, [from, to, at.tx, at.id]);
    return true;
  });
}

/**
 * The UTC days a rebuild folds again, oldest first: from the day of `from` (or of the first
 * stored event) through the day of the last stored event.
 */
async function daysToBuild(session: Session, sql: RollupSql, from: Date | null): Promise<Date[]> {
  const { rows } = await session.query<{ from: Date | null; to: Date | null }>(sql.span);
  const span = rows[0];
  if (!span?.from || !span.to) return [];
  const first = Math.floor(Math.max(span.from.getTime(), from?.getTime() ?? -Infinity) / DAY_MS);
  const last = Math.floor(span.to.getTime() / DAY_MS);
  const days: Date[] = [];
  for (let day = first; day <= last; day++) days.push(new Date(day * DAY_MS));
  return days;
}

/**
 * Folds every stored event (from the day of `from` on) into the rollup again, one UTC day per
 * transaction, while events keep being written and folded: each day is replaced whole by the
 * events created in it up to the checkpoint of that moment; the events the fold adds are after
 * it. Events outside the days found at the start (written later with an older time) are after
 * the checkpoint: the fold's. `stop` is asked between days. Resolves with the days done, and
 * whether that is all of them.
 * @internal
 */
export async function buildDays(
  session: Session,
  sql: RollupSql,
  options: {
    readonly from: Date | null;
    readonly lock: (session: Session) => Promise<StreamPosition | undefined>;
    readonly onProgress?: (progress: RollupProgress) => void;
    readonly stop?: () => boolean;
  },
): Promise<{ readonly done: number; readonly complete: boolean }> {
  const days = await daysToBuild(session, sql, options.from);
  let done = 0;
  for (const day of days) {
    if (options.stop?.()) break;
    const end = new Date(day.getTime() + DAY_MS);
    if (!(await refoldDays(session, sql, day, end, options.lock))) break;
    done++;
    options.onProgress?.({ done, total: days.length, day });
  }
  return { done, complete: done === days.length };
}
