/**
 * A `pg_snapshot` as its text (`xmin:xmax:xip,…`), with the test of whether a transaction had
 * committed in it: what splits a subscriber's history (the rows it reads from the table) from
 * its live events (the transactions the WAL hands over) without a gap or a repeat.
 * @internal
 */
export interface Snapshot {
  /** As Postgres writes it, to pass back as a `pg_snapshot` parameter. */
  readonly text: string;
  readonly xmin: bigint;
  readonly xmax: bigint;
  readonly xip: ReadonlySet<bigint>;
}

/** The snapshot of its text form. @internal */
export function parseSnapshot(text: string): Snapshot {
  const [xmin = '0', xmax = '0', xip = ''] = text.split(':');
  return {
    text,
    xmin: BigInt(xmin),
    xmax: BigInt(xmax),
    xip: new Set(xip === '' ? [] : xip.split(',').map(BigInt)),
  };
}

/**
 * Whether transaction `tx` (an xid8, as decimal text) had ended in `snapshot`: for a
 * transaction known to have committed (its rows exist, or the WAL handed it over), whether
 * its rows are visible there.
 * @internal
 */
export function visibleIn(snapshot: Snapshot, tx: string): boolean {
  const x = BigInt(tx);
  return x < snapshot.xmin || (x < snapshot.xmax && !snapshot.xip.has(x));
}
