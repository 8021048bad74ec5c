/**
 * A place in commit order, the order of the live stream, the durable consumers and replay: the
 * writing transaction's id, then the event id (see `streamSql`).
 * @internal
 */
export interface StreamPosition {
  /** `tx_id` (xid8) as a decimal string. */
  readonly tx: string;
  readonly id: string;
}

/** Sorts before every event id of its transaction. @internal */
export const NIL_ID = '00000000-0000-0000-0000-000000000000';

/** The position before every event. @internal */
export const ORIGIN: StreamPosition = Object.freeze({ tx: '0', id: NIL_ID });

/** Negative, zero or positive as `a` is before, at or after `b`. @internal */
export function comparePositions(a: StreamPosition, b: StreamPosition): number {
  if (a.tx !== b.tx) {
    return a.tx.length - b.tx.length || (a.tx < b.tx ? -1 : 1);
  }
  return a.id === b.id ? 0 : a.id < b.id ? -1 : 1;
}

/** The earliest of `positions` (at least one). @internal */
export function earliest(positions: readonly StreamPosition[]): StreamPosition {
  return positions.reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b));
}
