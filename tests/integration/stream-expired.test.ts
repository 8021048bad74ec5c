/**
 * Subscriptions from positions retention no longer keeps fail loudly with a CursorExpiredError
 * (carrying the oldest time still kept): a cursor or a list cursor whose partition `maintain`
 * dropped, a Date before the horizon, and a subscription reading its history when `maintain`
 * drops the partition under it. `'start'` begins at what is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CursorExpiredError } from '../../src/index.js';
import {
  EventQueries,
  EventStream,
  maintain,
  type StreamEvent,
  type StreamMarker,
  type Subscription,
} from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';
import { DAY, TODAY } from '../helpers/partitions.js';

const db = useTestDatabase();
const cursorSecret = 'a-secret-of-at-least-16-bytes';
let stream: EventStream;

beforeAll(() => {
  // Pages of 2: the history takes several reads.
  stream = new EventStream({ db: db.pool, readSize: 2, cursorSecret });
});
afterAll(async () => {
  await stream.close();
});

const user = { userId: 'expiring' };
const at = (ms: number) => new Date(ms);
/** Drops today's partition: rows created before tomorrow are older than one day then. */
const dropToday = () =>
  maintain({ db: db.pool, retentionMs: DAY, premake: 0, now: at(TODAY + 2 * DAY) });

/** What the next `next()` of `sub` rejects with. */
async function failure(sub: Subscription): Promise<unknown> {
  try {
    for (;;) if ((await sub.next()).done) return undefined;
  } catch (error) {
    return error;
  }
}

async function drain(sub: Subscription<StreamEvent | StreamMarker>, until: string) {
  const seen: string[] = [];
  for (;;) {
    const { value } = await sub.next();
    if (value === undefined) return seen;
    seen.push('event' in value ? value.event.id : value.kind);
    if (seen.at(-1) === until) return seen;
  }
}

describe('an expired start', () => {
  it('ends the subscription with CursorExpiredError: mid-history, from a cursor, a list cursor or a Date', async () => {
    const today = await insertEvents(
      db.pool,
      Array.from({ length: 6 }, (_, i) => ({
        type: 'TODAY',
        ...user,
        createdAt: at(TODAY + 1000 * i),
      })),
    );
    const tomorrow = await insertEvents(db.pool, [
      { type: 'TOMORROW', ...user, createdAt: at(TODAY + DAY + 1000) },
      { type: 'TOMORROW', ...user, createdAt: at(TODAY + DAY + 2000) },
    ]);
    const list = await new EventQueries({ db: db.pool, cursorSecret }).listEvents(
      user,
      {},
      {
        order: 'asc',
        limit: 1,
      },
    );

    // From the start, the first page taken; then the rest of today's rows are dropped.
    const reading = stream.subscribe(user, {}, { from: 'start' });
    const first = (await reading.next()).value as StreamEvent;
    const second = (await reading.next()).value as StreamEvent;
    expect([first.event.type, second.event.type]).toEqual(['TODAY', 'TODAY']);
    expect((await dropToday()).dropped).toHaveLength(1);
    const midRead = await failure(reading);
    expect(midRead).toBeInstanceOf(CursorExpiredError);
    expect(midRead).toMatchObject({ code: 'CURSOR_EXPIRED', oldestAt: at(TODAY + DAY) });

    // A cursor, and a list page's cursor, of a dropped event.
    const fromCursor = await failure(stream.subscribe(user, {}, { from: first.cursor }));
    expect(fromCursor).toMatchObject({ code: 'CURSOR_EXPIRED', oldestAt: at(TODAY + DAY) });
    expect(list.nextCursor).not.toBeNull();
    const fromList = await failure(stream.subscribe(user, {}, { from: list.nextCursor as string }));
    expect(fromList).toMatchObject({ code: 'CURSOR_EXPIRED', oldestAt: at(TODAY + DAY) });

    // A Date before what is kept; at it, what is kept.
    const fromDate = await failure(stream.subscribe(user, {}, { from: at(TODAY) }));
    expect(fromDate).toBeInstanceOf(CursorExpiredError);
    const kept = tomorrow.map((e) => e.id);
    const fromHorizon = stream.subscribe(user, {}, { from: at(TODAY + DAY), markers: true });
    expect(await drain(fromHorizon, 'caught-up')).toEqual([...kept, 'caught-up']);
    await fromHorizon.return();

    // 'start' is every event still kept: no error.
    const fromStart = stream.subscribe(user, {}, { from: 'start', markers: true });
    expect(await drain(fromStart, 'caught-up')).toEqual([...kept, 'caught-up']);
    await fromStart.return();
    expect(today).toHaveLength(6);
  });
});
