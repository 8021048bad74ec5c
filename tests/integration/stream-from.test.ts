/**
 * `subscribe(…, { from })`: from the start (every event once, in commit order, while other
 * processes log), with the caught-up marker after every event that existed at the start; from a
 * Date (only the events created at or after it, then live); and `'now'`, caught up at once.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventStream,
  type StreamEvent,
  type StreamMarker,
  type Subscription,
} from '../../src/postgres/index.js';
import { readSettledMark } from '../../src/postgres/read/committed.js';
import { tableNames } from '../../src/postgres/sql/names.js';
import { streamSql } from '../../src/postgres/sql/stream.js';
import { root } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';
import { waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
let stream: EventStream;

beforeAll(() => {
  // Small pages: the history of the first test takes many reads, interleaved with the writers.
  stream = new EventStream({ db: db.pool, readSize: 100 });
});
afterAll(async () => {
  await stream.close();
});

type Item = StreamEvent | StreamMarker;

/** Iterates `sub` in the background, keeping events and markers in the order it yields them. */
function follow(sub: Subscription<Item>) {
  const items: Item[] = [];
  const finished = (async () => {
    try {
      for await (const item of sub) items.push(item);
    } catch (error) {
      return error;
    }
    return undefined;
  })();
  const ids = () => items.flatMap((i) => ('event' in i ? [i.event.id] : []));
  const kinds = () => items.map((i) => ('event' in i ? i.event.id : i.kind));
  return { items, ids, kinds, finished };
}

/** `userId`'s events in commit order, with their transaction ids. */
async function stored(userId: string): Promise<{ id: string; tx: bigint }[]> {
  const { rows } = await db.pool.query<{ id: string; tx: string }>(
    'SELECT id::text, tx_id::text AS tx FROM eventrail.event_logs WHERE user_id = $1 ORDER BY tx_id, id',
    [userId],
  );
  return rows.map((r) => ({ id: r.id, tx: BigInt(r.tx) }));
}

/** A child process logging `count` events (every fourth another user's) through EventLogger. */
function logger(userId: string, tag: string, count: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/fixtures/stream-logger.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db.url, USER_ID: userId, TAG: tag, COUNT: String(count) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const logging = once(createInterface({ input: child.stdout }), 'line');
  return { logging, exited };
}

const seed = (userId: string, count: number) =>
  db.pool.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id, payload)
     SELECT gen_random_uuid(), 'SEED', $1, jsonb_build_object('i', g) FROM generate_series(1, $2) AS g`,
    [userId, count],
  );

describe("subscribe from 'start'", () => {
  it('delivers every event once, in commit order, while 3 processes log; caught-up after all that existed at the start', async () => {
    const user = 'from-start';
    for (let i = 0; i < 5; i++) await seed(user, 400);
    const loggers = [1, 2, 3].map((n) => logger(user, `p${n}`, 800));
    await Promise.all(loggers.map((l) => l.logging));
    // Every event below this mark existed when the subscription started.
    const mark = await readSettledMark(db.pool, streamSql(tableNames()));
    const sub = stream.subscribe({ userId: user }, {}, { from: 'start', markers: true });
    expect(sub.caughtUp).toBe(false);
    const followed = follow(sub);
    const codes = await Promise.all(loggers.map(async (l) => (await l.exited)[0]));
    expect(codes).toEqual([0, 0, 0]);
    const all = await stored(user);
    expect(all.length).toBe(2000 + 3 * 600);
    await waitFor(() => followed.ids().length >= all.length, 20_000, 'every event');
    // Time for a repeat, if there were one, to arrive.
    await new Promise((r) => setTimeout(r, 200));

    expect(followed.ids()).toEqual(all.map((e) => e.id));
    const kinds = followed.kinds();
    expect(kinds.filter((k) => k === 'caught-up' || k === 'fell-behind')).toEqual(['caught-up']);
    const marker = kinds.indexOf('caught-up');
    const before = all.filter((e) => e.tx < BigInt(mark.tx));
    // The writers were still logging: some came after the marker, and every one of the mark
    // before it.
    expect(before.length).toBeGreaterThan(2000);
    expect(before.length).toBeLessThan(all.length);
    expect(kinds.slice(0, marker)).toEqual(all.slice(0, marker).map((e) => e.id));
    expect(marker).toBeGreaterThanOrEqual(before.length);
    expect(sub.caughtUp).toBe(true);

    // The marker's cursor resumes right after the events before it.
    const cursor = (followed.items[marker] as StreamMarker).cursor;
    const again = stream.subscribe({ userId: user }, {}, { from: cursor, markers: true });
    const resumed = follow(again);
    await waitFor(() => again.caughtUp, 10_000, 'the resumed catch-up');
    expect(resumed.ids()).toEqual(all.slice(marker).map((e) => e.id));
    await sub.return();
    await again.return();
  });

  it("a 'now' subscription is caught up at once: its marker comes first, then live events", async () => {
    const user = 'from-now';
    await seed(user, 3);
    const sub = stream.subscribe({ userId: user }, {}, { markers: true });
    const followed = follow(sub);
    await waitFor(() => sub.caughtUp, 10_000, 'caught up');
    expect(followed.kinds()).toEqual(['caught-up']);
    await seed(user, 2);
    await waitFor(() => followed.ids().length === 2, 10_000, 'the live events');
    expect(followed.kinds()[0]).toBe('caught-up');
    await sub.return();
  });

  it('is caught up only after an event that committed before the start behind a transaction still open', async () => {
    const user = 'held-back';
    const insert = `INSERT INTO eventrail.event_logs (id, event_type, user_id)
      VALUES (gen_random_uuid(), $1, $2) RETURNING id::text`;
    const open = await db.pool.connect();
    try {
      await open.query('BEGIN');
      const [late] = (await open.query(insert, ['LATE', user])).rows;
      // Committed before the subscription starts, with a higher transaction id than the open one.
      const [committed] = (await db.pool.query(insert, ['COMMITTED', user])).rows;
      const sub = stream.subscribe({ userId: user }, {}, { from: 'start', markers: true });
      const followed = follow(sub);
      // Held back (not settled) while the older transaction is open: neither it nor the marker.
      await new Promise((r) => setTimeout(r, 300));
      expect(followed.kinds()).toEqual([]);
      expect(sub.caughtUp).toBe(false);
      await open.query('COMMIT');
      await waitFor(() => sub.caughtUp, 10_000, 'caught up');
      // In commit order (the open transaction's event first), then the marker.
      expect(followed.kinds()).toEqual([late.id, committed.id, 'caught-up']);
      await sub.return();
    } finally {
      await open.query('ROLLBACK').catch(() => {});
      open.release();
    }
  });

  it('signals falling behind when more than half of bufferSize waits, and catching up once taken', async () => {
    const user = 'behind';
    const small = new EventStream({ db: db.pool, bufferSize: 10 });
    try {
      const sub = small.subscribe({ userId: user }, {}, { markers: true });
      // Caught up at once; nothing taken while 8 arrive.
      expect(await sub.next()).toMatchObject({ value: { kind: 'caught-up' } });
      await seed(user, 8);
      await waitFor(() => sub.buffered >= 8, 10_000, 'the backlog');
      expect(sub.caughtUp).toBe(false);
      const taken: string[] = [];
      for (let i = 0; i < 10; i++) {
        const { value } = await sub.next();
        taken.push(value && 'kind' in value ? value.kind : 'event');
      }
      // Told first, ahead of the backlog; caught up again once it is all taken.
      expect(taken).toEqual(['fell-behind', ...Array(8).fill('event'), 'caught-up']);
      expect(sub.caughtUp).toBe(true);
      await sub.return();
    } finally {
      await small.close();
    }
  });
});

describe('subscribe from a Date', () => {
  it('delivers only the events created at or after it, in commit order, then live', async () => {
    const user = 'from-date';
    const now = Date.now();
    const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);
    const [, newer, older, inside] = await insertEvents(db.pool, [
      { type: 'OLD', userId: user, createdAt: at(180) },
      { type: 'NEW', userId: user, createdAt: at(30) },
      { type: 'OLD', userId: user, createdAt: at(120) },
      { type: 'NEW', userId: user, createdAt: at(60) },
    ]);
    expect(older?.type).toBe('OLD');
    const sub = stream.subscribe({ userId: user }, {}, { from: at(60), markers: true });
    const followed = follow(sub);
    await waitFor(() => sub.caughtUp, 10_000, 'caught up');
    const expected = (await stored(user)).filter((e) => e.id === newer?.id || e.id === inside?.id);
    expect(followed.kinds()).toEqual([...expected.map((e) => e.id), 'caught-up']);
    const [live] = await insertEvents(db.pool, [{ type: 'LIVE', userId: user }]);
    await waitFor(() => followed.ids().length === 3, 10_000, 'the live event');
    expect(followed.ids()[2]).toBe(live?.id);
    await sub.return();
  });
});
