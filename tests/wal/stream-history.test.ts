/**
 * A subscription of a stream from the WAL reads its history from the table (in rounds of
 * snapshots), then takes the WAL's events: from the start or from a position in the history,
 * with events committing while it reads, each once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  EventStream,
  type StreamEvent,
  type StreamMarker,
  type Subscription,
} from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { collect, storedIds } from '../helpers/stream.js';

const db = useTestDatabase({ server: 'logical' });
let stream: EventStream;
let fromNotify: EventStream;

beforeAll(() => {
  // A page of 5, and at most 10 live events held while the history is read: more make it read
  // a round more.
  const small = { bufferSize: 10, readSize: 5, cursorSecret: 'history test secret, 32 chars' };
  stream = new EventStream({ db: db.pool, source: 'wal', walConnection: db.url, ...small });
  fromNotify = new EventStream({ db: db.pool, ...small });
});
afterAll(async () => {
  await Promise.all([stream.close(), fromNotify.close()]);
});

/** Writes `count` events of `user`, each in its own transaction; their ids, in commit order. */
async function write(user: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    await db.pool.query(
      'INSERT INTO eventrail.event_logs (id, event_type, user_id) VALUES ($1, $2, $3)',
      [id, 'E', user],
    );
    ids.push(id);
  }
  return ids;
}

/**
 * Takes from `sub` until `count` events came, then what follows while it is buffered (a
 * marker); the index of each caught-up marker among the events. `pause` runs after the first.
 */
async function take(
  sub: Subscription<StreamEvent | StreamMarker>,
  count: number,
  pause?: () => Promise<void>,
) {
  const ids: string[] = [];
  const markers: number[] = [];
  while (ids.length < count || sub.buffered > 0) {
    const { value } = await Promise.race([
      sub.next(),
      new Promise<never>((_, reject) =>
        setTimeout(
          () =>
            reject(
              new Error(
                `stuck at ${ids.length} of ${count}: ${sub.buffered} buffered, caught up ${sub.caughtUp}`,
              ),
            ),
          15_000,
        ),
      ),
    ]);
    if (value === undefined) throw new Error(`ended after ${ids.length} of ${count}`);
    if ('kind' in value) {
      if (value.kind === 'caught-up') markers.push(ids.length);
      continue;
    }
    ids.push(value.event.id);
    if (ids.length === 1) await pause?.();
  }
  return { ids, markers };
}

it("from 'start': the history, then what committed while it was read (past what the WAL may hold), each once", async () => {
  const user = 'history-then-live';
  const history = await write(user, 20);
  const sub = stream.subscribe({ userId: user }, {}, { from: 'start', markers: true });
  let live: string[] = [];
  // After its first event: 30 commits, each handed over by the WAL (more than the 10 held)
  // while the subscription still reads its history.
  const { ids, markers } = await take(sub, 50, async () => {
    const before = stream.metrics().reads;
    live = await write(user, 30);
    await waitFor(() => stream.metrics().reads >= before + 30, 10_000, 'the WAL to hand over 30');
  });
  expect(ids).toEqual([...history, ...live]);
  // All 50 were read from the table (the second round): caught up after them.
  expect(markers).toEqual([]);
  expect(await sub.next()).toMatchObject({ value: { kind: 'caught-up' } });
  // Live from then on.
  const next = collect(stream.subscribe({ userId: user }, {}, { from: sub.cursor }));
  const more = await write(user, 1);
  await next.until(1);
  expect(next.ids().at(-1)).toEqual(more[0]);
  expect(await storedIds(db.pool, user)).toEqual([...history, ...live, ...more]);
});

it('from a position in the history, then live, with commits during the history read', async () => {
  const user = 'from-the-middle';
  const first = await write(user, 12);
  const n = collect(fromNotify.subscribe({ userId: user }, {}, { from: 'start' }));
  await n.until(12);
  const sub = stream.subscribe({ userId: user }, {}, { from: n.events[3]?.cursor });
  let live: string[] = [];
  const { ids } = await take(sub, 8 + 15, async () => {
    live = await write(user, 15);
  });
  expect(ids).toEqual([...first.slice(4), ...live]);
});
