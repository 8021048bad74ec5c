import type { StreamPosition } from '../read/position.js';

/**
 * A signal among the events of a subscription made with `markers: true`, where it stands in
 * the iteration:
 * - `caught-up`: every event that existed when the subscription started has been yielded, or,
 *   after a `fell-behind`, every event waiting has: what follows is live. An event that had
 *   committed then but sits behind a transaction still open (a lower transaction id) waits for
 *   that transaction to end, and so does the marker, which follows both (and the held-back
 *   transaction's own events, if it commits, as they come first in commit order). A `'now'`
 *   subscription yields it first.
 * - `fell-behind`: more than half of `bufferSize` events wait to be taken. It is yielded ahead of
 *   them, as soon as that happens; a `caught-up` follows once they are all taken.
 */
export interface StreamMarker {
  /** What it says: `caught-up` or `fell-behind` (see {@link StreamMarker}). */
  readonly kind: 'caught-up' | 'fell-behind';
  /** Where the subscriber stands: resume from it (`from: marker.cursor`) to miss nothing after. */
  readonly cursor: string;
}

/** A marker waiting to be taken: at `position`, or (undefined) where the subscriber stands. @internal */
export interface PendingMarker {
  readonly kind: StreamMarker['kind'];
  readonly position: StreamPosition | undefined;
}
