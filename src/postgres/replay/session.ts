import type { Session } from '../driver/types.js';
import type { TableNames } from '../sql/names.js';
import { type PlannerRow, replaySql } from '../sql/replay.js';

/** Something a replay holds on its session while it runs: a lock, settings. @internal */
export interface Held {
  /** Gives it back. */
  release(): Promise<void>;
}

/**
 * Runs `work` while `held` is held, then releases it: after a success the release must succeed
 * too (else the session is not fit to go back to a pool, and the failure says so); after a
 * failure it is tried, and the work's error is the one thrown. @internal
 */
export async function holding<H extends Held, T>(
  held: H,
  work: (held: H) => Promise<T>,
): Promise<T> {
  let result: T;
  try {
    result = await work(held);
  } catch (error) {
    await held.release().catch(() => undefined);
    throw error;
  }
  await held.release();
  return result;
}

/**
 * Sets the planner of `session` to walk the `(tx_id, id)` index in order (see `replaySql`'s
 * `walkIndex`); releasing it puts back the settings it had. @internal
 */
export async function walkIndex(session: Session, names: TableNames): Promise<Held> {
  const sql = replaySql(names);
  const prior = (await session.query<PlannerRow>(sql.planner)).rows[0] as PlannerRow;
  await session.query(sql.walkIndex);
  return {
    release: async () =>
      void (await session.query(sql.restore, [prior.seqscan, prior.bitmapscan, prior.sort])),
  };
}
