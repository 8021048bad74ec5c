import type { EventRecord } from '../../../event/types.js';
import type { StreamItem } from '../subscription.js';
import { type Snapshot, visibleIn } from './snapshot.js';

/** An event from the WAL held for a subscriber, and its transaction. */
interface Held {
  readonly item: StreamItem;
  readonly tx: string;
}

/**
 * What the WAL hands a subscriber while it reads its history: its events, kept (at most
 * `limit`) until it joins the live events, when those its history read (visible in the
 * snapshot of its last read) are dropped and the rest delivered. Past `limit` it keeps only
 * the ids of their transactions (`overflowed`): the subscriber then reads once more, in a
 * snapshot where all of them had committed.
 * @internal
 */
export class Tap {
  readonly userId: string;
  readonly matches: (record: EventRecord) => boolean;
  readonly #limit: number;
  #held: Held[] = [];
  /** Transactions whose events were let go past the limit. */
  #dropped = new Set<string>();

  constructor(userId: string, matches: (record: EventRecord) => boolean, limit: number) {
    this.userId = userId;
    this.matches = matches;
    this.#limit = limit;
  }

  /** Whether events were let go: the history must be read once more. */
  get overflowed(): boolean {
    return this.#dropped.size > 0;
  }

  /** Holds an event of its scope from the WAL. */
  hold(item: StreamItem, tx: string): void {
    if (this.#dropped.size === 0 && this.#held.length < this.#limit) {
      this.#held.push({ item, tx });
      return;
    }
    for (const held of this.#held) this.#dropped.add(held.tx);
    this.#held = [];
    this.#dropped.add(tx);
  }

  /**
   * Starts holding anew, for a read of the history once more; resolves the transactions let go,
   * which the snapshot of that read must show as ended.
   */
  restart(): ReadonlySet<string> {
    const dropped = this.#dropped;
    this.#dropped = new Set();
    return dropped;
  }

  /** Drops what a read in `snapshot` read from the table. */
  keepAfter(snapshot: Snapshot): void {
    this.#held = this.#held.filter((held) => !visibleIn(snapshot, held.tx));
  }

  /** The events held, in commit order, that a read in `snapshot` did not read. */
  after(snapshot: Snapshot): StreamItem[] {
    this.keepAfter(snapshot);
    return this.#held.map((held) => held.item);
  }
}
