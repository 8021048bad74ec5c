import type { CursorCodec } from '../cursor/codec.js';
import type { Session } from '../driver/types.js';
import { checkTime, type Horizon, readHorizon } from '../read/horizon.js';
import { type HorizonGuard, horizonGuard } from '../read/horizon-guard.js';
import { ORIGIN, type StreamPosition } from '../read/position.js';
import { horizonSql } from '../sql/horizon.js';
import type { TableNames } from '../sql/names.js';
import type { SubscriberReads } from './history.js';
import type { SubscribeFrom } from './options.js';
import { decodeAfter } from './position.js';
import type { StreamItem, SubscriptionTarget } from './subscription.js';

/** What a subscription's start needs of its stream. @internal */
export interface StartSetup {
  readonly session: Pick<Session, 'query'>;
  readonly names: TableNames;
  readonly codec: CursorCodec;
  /** What cursors of the subscription's scope and filters are bound to, as stream and as list. */
  readonly bindings: { readonly stream: string; readonly list: string };
  /** The shared reader's head (read as the settled mark when it has none). */
  readonly readHead: () => Promise<StreamPosition>;
  readonly reads: SubscriberReads;
}

/** The field a start is named by in errors. */
const FIELD = 'options.from';

/**
 * How a subscription starting at `from` starts, and reads its history: `'now'` at the shared
 * reader's head, caught up at once; any other at its position (the origin for `'start'` and a
 * `Date`), caught up once past the snapshot's xmax read then (every event that had committed
 * then is below it), and checked against the retention horizon at the start and with each page
 * of history (read in the page's own statement), so that removed events end it with a
 * `CursorExpiredError` instead of going missing. A bad cursor is refused here, synchronously.
 * @internal
 */
export function subscriptionStart(
  from: SubscribeFrom,
  setup: StartSetup,
): Pick<SubscriptionTarget, 'start' | 'history' | 'mark'> {
  const { reads } = setup;
  if (from === 'now') {
    return {
      start: async () => {
        const head = await setup.readHead();
        return { position: head, settled: head, target: head };
      },
      history: reads.history,
      mark: reads.mark,
    };
  }
  const begin = positionedStart(from, setup);
  let guard: HorizonGuard | undefined;
  return {
    start: async () => {
      const [started, marks] = await Promise.all([begin(), reads.startMarks(), setup.readHead()]);
      guard = started.guard;
      return { position: started.position, settled: marks.settled, target: marks.end };
    },
    mark: reads.mark,
    history: async (after, upTo, limit) => {
      const { items, horizon } = await reads.checkedHistory(after, upTo, limit);
      await checkPage(guard, items, horizon, after);
      return items;
    },
  };
}

/**
 * Checks a page of history read after `after` against the horizon: removed after the start,
 * before this read, it may lack them. The horizon read with the rows is in their snapshot (a
 * removal raises it in its own transaction); with no rows, it is read now.
 * @internal
 */
export async function checkPage(
  guard: HorizonGuard | undefined,
  items: readonly StreamItem[],
  horizon: Horizon | undefined,
  after: StreamPosition,
): Promise<void> {
  if (items.length > 0) guard?.check(horizon, after);
  else await guard?.read(after);
}

/**
 * The start of a subscription at a position (`'start'`, a `Date`, a cursor, decoded and refused
 * here, synchronously): resolves that position, and the guard of its history against retention
 * (a `CursorExpiredError` at once when the start is expired already).
 * @internal
 */
export function positionedStart(
  from: Exclude<SubscribeFrom, 'now'>,
  setup: Pick<StartSetup, 'session' | 'names' | 'codec' | 'bindings' | 'reads'>,
): () => Promise<{ readonly position: StreamPosition; readonly guard: HorizonGuard }> {
  const cursor =
    from === 'start' || from instanceof Date
      ? undefined
      : decodeAfter(setup.codec, from, setup.bindings, FIELD);
  return async () => {
    const position = cursor === undefined ? ORIGIN : await cursorPosition(cursor, setup);
    const resumed = cursor === undefined ? undefined : position;
    const since = from instanceof Date ? from : 'start';
    const guard = await horizonGuard(setup.session, setup.names, since, resumed, FIELD);
    return { position, guard };
  };
}

/**
 * The stream position of a cursor: its own, or that of the event a list cursor points at. A list
 * cursor whose event retention may have removed is expired, not unknown.
 */
async function cursorPosition(
  cursor: ReturnType<typeof decodeAfter>,
  setup: Pick<StartSetup, 'session' | 'names' | 'reads'>,
): Promise<StreamPosition> {
  if ('stream' in cursor) return cursor.stream;
  const horizon = await readHorizon(setup.session, horizonSql(setup.names));
  checkTime(horizon, Number(cursor.list.micros) / 1000, FIELD);
  return setup.reads.positionOf(cursor.list.id);
}
