import { NIL_ID, type StreamPosition } from '../../read/position.js';

/** A settled mark and the WAL insert position read just after its snapshot. @internal */
export interface FloorReading {
  readonly tx: string;
  readonly lsn: bigint;
}

/** Readings kept at most: one a `pollIntervalMs` while no transaction passes them. */
const MAX_READINGS = 64;

/**
 * Where a cursor of an event from the WAL resumes. A settled mark read (in a snapshot taken)
 * before a transaction's commit record was written is below the id of every transaction that
 * commits after it: those were all still open then, or not begun. So a table read from that
 * mark, in `(tx_id, id)` order, holds every event that committed after the transaction: the
 * cursor loses nothing, and repeats the events that committed before it at or above the mark.
 * A reading taken at WAL position `lsn` is before every commit record at or after `lsn`.
 * @internal
 */
export class Floors {
  /** Readings not yet passed by the transactions handed over, oldest first. */
  readonly #readings: { readonly lsn: bigint; readonly position: StreamPosition }[] = [];

  /**
   * Records a reading (read after every one recorded before). Past `MAX_READINGS` not yet
   * passed (a quiet publication), the second oldest goes: a commit that would have taken it
   * takes the one before, lower (its cursors repeat more, and lose nothing).
   */
  add(reading: FloorReading): void {
    if (this.#readings.length >= MAX_READINGS) this.#readings.splice(1, 1);
    // One position object per reading: its cursor is sealed once for all its events.
    this.#readings.push({ lsn: reading.lsn, position: { tx: reading.tx, id: NIL_ID } });
  }

  /**
   * The resume position of the events of a transaction whose commit record starts at
   * `commitLsn` (called in commit order): the latest mark read before it. Readings older than
   * that one are dropped. Undefined when none was read before it.
   */
  at(commitLsn: bigint): StreamPosition | undefined {
    const r = this.#readings;
    while (r.length > 1 && (r[1] as { lsn: bigint }).lsn <= commitLsn) r.shift();
    const first = r[0];
    return first !== undefined && first.lsn <= commitLsn ? first.position : undefined;
  }
}
