/**
 * A subscription reads the next page of its history while its consumer takes the current one:
 * one page ahead at most, every event once and in commit order; a read ahead that fails ends it
 * only once the events before it have been taken. Its events' cursors are signed when read, and
 * written by JSON.stringify.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rows } from '../../src/postgres/driver/types.js';
import { EventStream, type StreamEvent, type Subscription } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';

const db = useTestDatabase();
const user = { userId: 'reading-ahead' };
/** History reads made through `counted`, and the one (by number) to fail, if any. */
const reads = { made: 0, failing: 0 };
/** The pool, counting the subscriptions' history reads (they read the horizon with the rows). */
const counted = {
  async query<R>(text: string, values?: unknown[]): Promise<Rows<R>> {
    if (text.includes('AS "horizon"') && ++reads.made === reads.failing) {
      throw new Error('history read failed');
    }
    return (await db.pool.query(text, values)) as unknown as Rows<R>;
  },
};
let stream: EventStream;
let stored: string[];

beforeAll(async () => {
  // Pages of 2 over 7 events: 4 reads.
  stream = new EventStream({ db: counted, listen: false, readSize: 2 });
  await insertEvents(
    db.pool,
    Array.from({ length: 7 }, (_, i) => ({ type: 'AHEAD', ...user, payload: { i } })),
  );
  const { rows } = await db.pool.query<{ id: string }>(
    'SELECT id::text FROM eventrail.event_logs WHERE user_id = $1 ORDER BY tx_id, id',
    [user.userId],
  );
  stored = rows.map((r) => r.id);
});
afterAll(async () => {
  await stream.close();
});

/** Lets the reads under way end. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

async function nextEvent(sub: Subscription): Promise<StreamEvent> {
  const { value } = await sub.next();
  if (value === undefined) throw new Error('the subscription ended');
  return value;
}

describe('a subscription reading its history', () => {
  it('reads one page ahead of its consumer, never more, and hands out every event once in order', async () => {
    reads.made = 0;
    reads.failing = 0;
    const sub = stream.subscribe(user, {}, { from: 'start' });
    const taken = [await nextEvent(sub)];
    await settle();
    // The first page, and the second read while the first is taken.
    expect(reads.made).toBe(2);
    taken.push(await nextEvent(sub));
    await settle();
    expect(reads.made).toBe(2);
    // The second page taken: the third is read.
    taken.push(await nextEvent(sub));
    await settle();
    expect(reads.made).toBe(3);
    while (taken.length < stored.length) taken.push(await nextEvent(sub));
    expect(taken.map((e) => e.event.id)).toEqual(stored);
    expect(reads.made).toBe(4);
    await sub.return();
  });

  it('ends with the failure of a read ahead only after the events before it are taken', async () => {
    reads.made = 0;
    reads.failing = 2;
    const sub = stream.subscribe(user, {}, { from: 'start' });
    const first = await nextEvent(sub);
    await settle();
    expect(sub.ended).toBe(false);
    const second = await nextEvent(sub);
    expect([first.event.id, second.event.id]).toEqual(stored.slice(0, 2));
    await expect(sub.next()).rejects.toThrow('history read failed');
  });

  it('gives each event a cursor that resumes after it, which JSON.stringify writes', async () => {
    reads.failing = 0;
    const sub = stream.subscribe(user, {}, { from: 'start' });
    const third = [
      await nextEvent(sub),
      await nextEvent(sub),
      await nextEvent(sub),
    ][2] as StreamEvent;
    await sub.return();
    expect(JSON.parse(JSON.stringify(third))).toEqual({
      event: JSON.parse(JSON.stringify(third.event)),
      cursor: third.cursor,
    });
    const resumed = stream.subscribe(user, {}, { from: third.cursor });
    expect((await nextEvent(resumed)).event.id).toBe(stored[3]);
    await resumed.return();
  });
});
