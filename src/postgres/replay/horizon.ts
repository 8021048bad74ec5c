import type { Session } from '../driver/types.js';
import { checkPosition, type Horizon, readHorizon } from '../read/horizon.js';
import { comparePositions, ORIGIN, type StreamPosition } from '../read/position.js';
import { horizonSql } from '../sql/horizon.js';
import type { TableNames } from '../sql/names.js';

const same = (a: Horizon | undefined, b: Horizon | undefined) =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.expiredBefore === b.expiredBefore &&
    comparePositions(a.through, b.through) === 0);

/**
 * Checks, at the start and before each batch, that retention removed no event the replay has
 * yet to publish: none after `position` (where it stands) that it would read. Which removals
 * count: for a `Date` `from`, those of events created at or after it; for `'start'` (every
 * event still kept), any made after a fresh run began, and any at all before a resumed one's
 * checkpoint. Throws a `CursorExpiredError` naming `what` at once when the start is expired;
 * returns the check of each batch. @internal
 */
export async function horizonGuard(
  session: Session,
  names: TableNames,
  from: 'start' | Date,
  resumed: StreamPosition | undefined,
  what: string,
): Promise<(position: StreamPosition) => Promise<void>> {
  const sql = horizonSql(names);
  const first = await readHorizon(session, sql);
  const counts = (horizon: Horizon) =>
    from instanceof Date
      ? horizon.expiredBefore > from.getTime()
      : resumed !== undefined || !same(horizon, first);
  const check = (horizon: Horizon | undefined, position: StreamPosition) => {
    if (horizon !== undefined && counts(horizon)) checkPosition(horizon, position, what);
  };
  check(first, resumed ?? ORIGIN);
  return async (position) => check(await readHorizon(session, sql), position);
}
