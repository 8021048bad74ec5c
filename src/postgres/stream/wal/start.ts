import { setTimeout as sleep } from 'node:timers/promises';
import type { HorizonGuard } from '../../read/horizon-guard.js';
import { comparePositions, NIL_ID, type StreamPosition } from '../../read/position.js';
import type { SubscriberReads } from '../history.js';
import type { SubscribeFrom } from '../options.js';
import { MAX_SETTLE_RETRY_MS, SETTLE_RETRY_MS } from '../reader.js';
import { checkPage, positionedStart, type StartSetup } from '../start.js';
import type { StreamItem, SubscriptionTarget } from '../subscription.js';
import { parseSnapshot, type Snapshot, visibleIn } from './snapshot.js';
import type { Tap } from './tap.js';

/**
 * After every position: a subscription from the WAL has read its history once it stands here
 * (its history is read in rounds of snapshots, not up to a position).
 * @internal
 */
export const END: StreamPosition = Object.freeze({
  tx: '99999999999999999999',
  id: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
});

/** What a subscription of a stream from the WAL needs to start. @internal */
export interface WalStartSetup
  extends Pick<StartSetup, 'session' | 'names' | 'codec' | 'bindings'> {
  readonly reads: SubscriberReads;
  /** Resolves once the stream's slot streams (rejects with why it cannot). */
  readonly ready: () => Promise<void>;
  /** What holds the subscriber's events from the WAL until it joins them. */
  readonly tap: Tap;
  /** Starts holding them (the tap is then fed). */
  readonly hold: () => void;
}

/** One read of the history: the rows committed in `in`, not in `before`, after `after`. */
interface Round {
  readonly in: Snapshot;
  readonly before: Snapshot | undefined;
  /** The settled mark of `in`: no row it did not read is below it. */
  readonly mark: StreamPosition;
  after: StreamPosition;
  done: boolean;
}

/**
 * How a subscription of a stream from the WAL starts and reads its history. At its start the
 * tap holds its events from the WAL, then it reads a snapshot: its history is every row of its
 * scope after its start position committed in that snapshot, read from the table in
 * `(tx_id, id)` order; its live events are those the WAL hands over that had not committed
 * there (the tap drops the others when it joins). When the tap overflowed meanwhile, it reads
 * a round more: the rows committed in a new snapshot and not in the last one. `'now'` reads no
 * history: its first snapshot only splits what it takes from the WAL.
 *
 * A row read from the table in a round has for cursor its own position or, above the round's
 * settled mark, that mark: a transaction still open in the snapshot may commit later, below
 * the row's position, and the cursor must not pass it.
 * @internal
 */
export function walSubscriptionStart(
  from: SubscribeFrom,
  setup: WalStartSetup,
): Pick<SubscriptionTarget, 'start' | 'history' | 'mark'> & { readonly live: () => StreamItem[] } {
  const { reads, tap } = setup;
  const begin = from === 'now' ? undefined : positionedStart(from, setup);
  let start: StreamPosition;
  let guard: HorizonGuard | undefined;
  let round: Round | undefined;

  /** A snapshot in which every transaction the tap let go has committed. */
  const snapshot = async (dropped: ReadonlySet<string>) => {
    for (let delay = SETTLE_RETRY_MS; ; delay = Math.min(delay * 2, MAX_SETTLE_RETRY_MS)) {
      const read = await reads.snapshotMark();
      const taken = parseSnapshot(read.snapshot);
      // A transaction the WAL handed over may not show as ended yet (its commit record is
      // written before it leaves the list of running ones): a few ms at most.
      if ([...dropped].every((tx) => visibleIn(taken, tx))) {
        return { taken, mark: { tx: read.tx, id: NIL_ID } };
      }
      await sleep(delay);
    }
  };
  const next = async (before: Snapshot | undefined, from: StreamPosition): Promise<Round> => {
    const { taken, mark } = await snapshot(tap.restart());
    // Rows not committed in `before` are of transactions at or above its xmin.
    const floor = before && { tx: before.xmin.toString(), id: NIL_ID };
    const after = floor && comparePositions(floor, from) > 0 ? floor : from;
    return { in: taken, before, mark, after, done: false };
  };
  /** A row's item, its cursor held at the round's settled mark. */
  const capped = (item: StreamItem, mark: StreamPosition): StreamItem =>
    comparePositions(item.position, mark) > 0 ? { record: item.record, position: mark } : item;

  return {
    start: async () => {
      await setup.ready();
      setup.hold();
      if (begin === undefined) {
        // Its history is what its first snapshot holds: nothing to read.
        const first = await next(undefined, END);
        round = { ...first, before: first.in, done: true };
        start = first.mark;
      } else {
        ({ position: start, guard } = await begin());
        round = await next(undefined, start);
      }
      return { position: start, settled: END, target: END };
    },
    mark: reads.mark,
    history: async (_after, _upTo, limit) => {
      const items: StreamItem[] = [];
      while (items.length < limit) {
        let r = round as Round;
        if (r.done) {
          if (!tap.overflowed) break;
          r = await next(r.in, start);
          round = r;
        }
        const want = limit - items.length;
        const upTo = { tx: r.in.xmax.toString(), id: NIL_ID };
        const visible = { in: r.in, before: r.before };
        const page = await reads.visibleHistory(r.after, upTo, want, visible);
        await checkPage(guard, page.items, page.horizon, r.after);
        for (const item of page.items) items.push(capped(item, r.mark));
        const last = page.items.at(-1);
        if (last === undefined || page.items.length < want) r.done = true;
        else r.after = last.position;
      }
      return items;
    },
    live: () => tap.after((round as Round).in),
  };
}
