/**
 * A subscriber gets every committed event of its scope once, in one stable order, whatever order
 * concurrent transactions commit in: history after its cursor, then live, with no seam.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EventLogger } from '../../src/index.js';
import { EventStream, PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { collect, storedIds } from '../helpers/stream.js';

const db = useTestDatabase();
let stream: EventStream;

beforeAll(() => {
  // Only NOTIFY (or the settle retry) wakes the reader quickly: the poll is far away.
  stream = new EventStream({ db: db.pool, pollIntervalMs: 60_000 });
});
afterAll(async () => {
  await stream.close();
});

const insert = `INSERT INTO eventrail.event_logs (id, event_type, user_id) VALUES ($1, $2, $3)`;

describe('EventStream order', () => {
  it('delivers a row whose transaction started first but committed last, once, in order', async () => {
    const user = 'out-of-order';
    const live = collect(stream.subscribe({ userId: user }));
    await live.started();
    const first = randomUUID();
    await db.pool.query(insert, [first, 'FIRST', user]);
    await live.until(1);

    const early = await db.pool.connect();
    const late = await db.pool.connect();
    const [a, b] = [randomUUID(), randomUUID()];
    try {
      await early.query('BEGIN');
      await early.query(insert, [a, 'EARLY_ID_COMMITS_LAST', user]);
      await late.query('BEGIN');
      await late.query(insert, [b, 'LATE_ID_COMMITS_FIRST', user]);
      await late.query('COMMIT');
      // A subscriber starting now, from the first event, while `a` is still open.
      const resumed = collect(
        stream.subscribe({ userId: user }, {}, { from: live.events[0]?.cursor }),
      );
      // `b` is committed but not settled: it waits behind the open transaction.
      await new Promise((r) => setTimeout(r, 300));
      expect(live.ids()).toEqual([first]);
      expect(resumed.ids()).toEqual([]);

      await early.query('COMMIT');
      const order = await db.pool.query(
        'SELECT id FROM eventrail.event_logs WHERE id = ANY($1) ORDER BY tx_id',
        [[a, b]],
      );
      // The row committed first has the later transaction id.
      expect(order.rows.map((r) => r.id)).toEqual([a, b]);
      await live.until(3);
      await resumed.until(2);
      await new Promise((r) => setTimeout(r, 100));
      expect(live.ids()).toEqual([first, a, b]);
      expect(resumed.ids()).toEqual([a, b]);
      // Resuming after the last event repeats nothing.
      const after = collect(
        stream.subscribe({ userId: user }, {}, { from: live.events[2]?.cursor }),
      );
      await db.pool.query(insert, [randomUUID(), 'NEXT', user]);
      await after.until(1);
      expect(after.events[0]?.event.type).toBe('NEXT');
    } finally {
      early.release();
      late.release();
    }
  });

  it('streams history then live with no gap or repeat while 4 loggers write', async () => {
    const user = 'busy';
    const loggers = Array.from(
      { length: 4 },
      (_, i) =>
        new EventLogger({
          sinks: [new PostgresSink({ db: db.pool, name: `pg-${i}` })],
          flushSize: 7 + i,
          flushIntervalMs: 3,
          fallback: null,
        }),
    );
    const write = async (logger: EventLogger, n: number, tag: string) => {
      for (let i = 0; i < n; i++) {
        await logger.logEvent({
          type: 'WORK',
          userId: i % 3 === 0 ? 'other' : user,
          payload: { tag, i },
        });
        if (i % 25 === 0) await new Promise((r) => setImmediate(r));
      }
    };
    const fromStart = collect(stream.subscribe({ userId: user }));
    await fromStart.started();
    await Promise.all(loggers.map((l, i) => write(l, 150, `warmup-${i}`)));
    await Promise.all(loggers.map((l) => l.flush()));
    await fromStart.until(1);
    const cursor = fromStart.events[0]?.cursor;

    // Writers keep writing while a subscriber reads its history after `cursor` and goes live.
    const writing = Promise.all(loggers.map((l, i) => write(l, 600, `main-${i}`)));
    await new Promise((r) => setTimeout(r, 30));
    const resumed = collect(stream.subscribe({ userId: user }, {}, { from: cursor }));
    await writing;
    await Promise.all(loggers.map((l) => l.close()));

    const stored = await storedIds(db.pool, user);
    expect(stored).toHaveLength(4 * 750 - Math.ceil(150 / 3) * 4 - Math.ceil(600 / 3) * 4);
    await fromStart.until(stored.length);
    await resumed.until(stored.length - 1);
    // Time for a repeat, if there were one, to arrive.
    await new Promise((r) => setTimeout(r, 200));
    expect(fromStart.ids()).toEqual(stored);
    expect(resumed.ids()).toEqual(stored.slice(1));
    expect(new Set(resumed.ids()).size).toBe(resumed.events.length);
  });

  it('is not held back by a transaction open in another database', async () => {
    const user = 'elsewhere';
    const other = new pg.Client({ connectionString: inject('databaseUrl') });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()');
      const sub = collect(stream.subscribe({ userId: user }));
      const deadline = Date.now() + 10_000;
      while (sub.events.length === 0 && Date.now() < deadline) {
        await db.pool.query(insert, [randomUUID(), 'PRIME', user]);
        await new Promise((r) => setTimeout(r, 50));
      }
      const primed = sub.events.length;
      expect(primed).toBeGreaterThan(0);
      await db.pool.query(insert, [randomUUID(), 'WHILE_OPEN', user]);
      await sub.until(primed + 1, 5000);
      expect(sub.events.at(-1)?.event.type).toBe('WHILE_OPEN');
    } finally {
      await other.query('ROLLBACK');
      await other.end();
    }
  });
});
