import type { Session } from '../driver/types.js';
import { horizonSql } from '../sql/horizon.js';
import type { TableNames } from '../sql/names.js';
import { checkPosition, type Horizon, readHorizon } from './horizon.js';
import { comparePositions, ORIGIN, type StreamPosition } from './position.js';

const same = (a: Horizon | undefined, b: Horizon | undefined) =>
  a === b ||
  (a !== undefined &&
    b !== undefined &&
    a.expiredBefore === b.expiredBefore &&
    comparePositions(a.through, b.through) === 0);

/** The check of each batch of a committed-order reader (see {@link horizonGuard}). @internal */
export interface HorizonGuard {
  /** Reads the horizon now, and refuses a read after `position` that removals may have cut. */
  read(position: StreamPosition): Promise<void>;
  /** The same with the horizon read already (in the snapshot of the batch's own statement). */
  check(horizon: Horizon | undefined, position: StreamPosition): void;
}

/**
 * Checks, at the start and at each batch, that retention removed no event a committed-order
 * reader (a replay, a subscription's history) has yet to read: none after `position` (where it
 * stands). Which removals count: for a `Date` `from`, those of events created at or after it;
 * for `'start'` (every event still kept), any made after a fresh read began, and any at all
 * before a resumed one's position (a checkpoint, a cursor). Throws a `CursorExpiredError`
 * naming `what` at once when the start is expired; returns the check of each batch. @internal
 */
export async function horizonGuard(
  session: Pick<Session, 'query'>,
  names: TableNames,
  from: 'start' | Date,
  resumed: StreamPosition | undefined,
  what: string,
): Promise<HorizonGuard> {
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
  return { read: async (position) => check(await readHorizon(session, sql), position), check };
}
