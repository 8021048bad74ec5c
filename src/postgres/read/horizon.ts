import { CursorExpiredError } from '../../errors.js';
import type { Session } from '../driver/types.js';
import type { HorizonRow, horizonSql } from '../sql/horizon.js';
import { comparePositions, type StreamPosition } from './position.js';

/** What retention removed: see {@link CursorExpiredError}. @internal */
export interface Horizon {
  /** Every row created before this (epoch ms) may be gone; none at or after it was removed. */
  readonly expiredBefore: number;
  /** The highest position among the removed rows. */
  readonly through: StreamPosition;
}

/** The horizon, or undefined while retention has removed nothing. @internal */
export async function readHorizon(
  session: Pick<Session, 'query'>,
  sql: ReturnType<typeof horizonSql>,
): Promise<Horizon | undefined> {
  const row = (await session.query<HorizonRow>(sql.read)).rows[0];
  if (row === undefined) return undefined;
  return {
    expiredBefore: row.expired_before_ms,
    through: { tx: row.through_tx, id: row.through_id },
  };
}

/** The horizon from `horizonSql`'s `packed` (null: none). @internal */
export function unpackHorizon(packed: string | null): Horizon | undefined {
  if (packed === null) return undefined;
  const [ms, tx, id] = packed.split(' ');
  return { expiredBefore: Number(ms), through: { tx: tx as string, id: id as string } };
}

/**
 * Refuses a read after `position` (described as `what`) that would skip removed rows: some row
 * after it was removed. @internal
 */
export function checkPosition(
  horizon: Horizon | undefined,
  position: StreamPosition,
  what: string,
): void {
  if (horizon !== undefined && comparePositions(position, horizon.through) < 0) {
    throw new CursorExpiredError(what, new Date(horizon.expiredBefore));
  }
}

/** Refuses a read of the events created at or after `ms` when some of them were removed. @internal */
export function checkTime(horizon: Horizon | undefined, ms: number, what: string): void {
  if (horizon !== undefined && ms < horizon.expiredBefore) {
    throw new CursorExpiredError(what, new Date(horizon.expiredBefore));
  }
}
