/**
 * Many subscribers on one process share one LISTEN connection and one reader; a subscriber that
 * does not keep up is ended with a typed reason and resumes from its cursor; a lost LISTEN
 * connection comes back and nothing is missed.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStream, type StreamEvent, SubscriberLaggedError } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { type Collector, collect, listeningBackends } from '../helpers/stream.js';

const db = useTestDatabase();
let pool: pg.Pool;

beforeAll(() => {
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => {});
});
afterAll(async () => {
  await pool.end();
});

/** Inserts `count` events per user in one statement (one NOTIFY). */
async function write(users: readonly string[], count: number, type = 'TICK'): Promise<void> {
  await db.pool.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id)
     SELECT gen_random_uuid(), $1, u FROM unnest($2::text[]) AS u, generate_series(1, $3)`,
    [type, users, count],
  );
}

/** Writes PRIME events until the subscriber has one: it has started. */
async function prime(sub: Collector, user: string): Promise<void> {
  while (sub.events.length === 0) {
    await write([user], 1, 'PRIME');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const listeners = () => listeningBackends(db.pool, db.name);

describe('EventStream subscribers', () => {
  it('serves 1,000 subscribers over 100 users with one LISTEN connection', async () => {
    const stream = new EventStream({ db: pool, pollIntervalMs: 60_000 });
    const users = Array.from({ length: 100 }, (_, i) => `user-${i}`);
    const collectors = Array.from({ length: 1000 }, (_, i) =>
      collect(stream.subscribe({ userId: users[i % 100] as string })),
    );
    await waitFor(async () => (await listeners()).length === 1, 10_000, 'the LISTEN connection');
    await Promise.all(collectors.map((c) => c.started()));
    await write(users, 3);
    for (const c of collectors) await c.until(3);
    expect(collectors.every((c) => c.events.length === 3)).toBe(true);
    expect(
      collectors.every((c, i) => c.events.every((e) => e.event.userId === users[i % 100])),
    ).toBe(true);
    expect(await listeners()).toHaveLength(1);
    expect(pool.totalCount).toBeLessThanOrEqual(4);
    expect(stream.metrics().subscribers).toBe(1000);
    await stream.close();
    for (const c of collectors) expect(await c.finished).toBeUndefined();
    expect(stream.metrics().subscribers).toBe(0);
    await waitFor(async () => (await listeners()).length === 0, 10_000, 'UNLISTEN');
  });

  it('ends a stalled subscriber with SubscriberLaggedError, holding at most bufferSize events', async () => {
    const stream = new EventStream({ db: pool, bufferSize: 50, readSize: 20 });
    try {
      const user = 'stall';
      const keeping = collect(stream.subscribe({ userId: user }));
      const stalled = stream.subscribe({ userId: user });
      const before = stalled.next();
      // Until both have started (their start is the head when they first read), prime them.
      let first: IteratorResult<StreamEvent> | undefined;
      while (first === undefined) {
        await write([user], 1, 'PRIME');
        first = await Promise.race([
          before,
          new Promise<undefined>((r) => setTimeout(() => r(undefined), 50)),
        ]);
      }
      expect(first.done).toBe(false);
      const at = (first.value as StreamEvent).event.id;
      await waitFor(() => keeping.ids().includes(at), 10_000, 'the keeping subscriber');
      const skip = keeping.ids().indexOf(at) + 1;
      for (let i = 0; i < 10; i++) {
        await write([user], 30);
        expect(stalled.buffered).toBeLessThanOrEqual(50);
      }
      await waitFor(
        () => keeping.events.filter((e) => e.event.type === 'TICK').length === 300,
        10_000,
        'all events',
      );
      expect(stalled.ended).toBe(true);
      expect(stalled.buffered).toBe(0);
      const error = await stalled.next().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SubscriberLaggedError);
      const lagged = error as SubscriberLaggedError;
      expect(lagged.code).toBe('STREAM_SUBSCRIBER_LAGGED');
      expect(lagged.cursor).toBe((first.value as StreamEvent).cursor);
      expect(await stalled.next()).toEqual({ done: true, value: undefined });
      expect(stream.metrics().subscribers).toBe(1);

      // Resumed from its cursor, it gets exactly what it missed.
      const resumed = collect(stream.subscribe({ userId: user }, {}, { from: lagged.cursor }));
      const missed = keeping.ids().slice(skip);
      await resumed.until(missed.length);
      await new Promise((r) => setTimeout(r, 100));
      expect(resumed.ids()).toEqual(missed);
    } finally {
      await stream.close();
    }
  });

  it('reconnects a terminated LISTEN connection and misses nothing', async () => {
    // A poll of a minute: what was written while the connection was down must be found by the
    // read that follows the reconnect, not by the poll.
    const stream = new EventStream({ db: pool, pollIntervalMs: 60_000 });
    const states: boolean[] = [];
    stream.on('listen', ({ connected }) => states.push(connected));
    try {
      const user = 'reconnect';
      const sub = collect(stream.subscribe({ userId: user }));
      const types = () => sub.events.map((e) => e.event.type);
      const count = (type: string) => types().filter((t) => t === type).length;
      await waitFor(() => states.includes(true), 10_000, 'LISTEN');
      await prime(sub, user);

      const [pid] = await listeners();
      const { rows } = await db.pool.query('SELECT pg_terminate_backend($1) AS ok', [pid]);
      expect(rows[0].ok).toBe(true);
      await waitFor(() => states.includes(false), 10_000, 'the lost connection');
      // Written while no connection listens: its NOTIFY reaches nobody.
      await write([user], 2, 'WHILE_DOWN');
      await waitFor(() => states.lastIndexOf(true) > states.indexOf(false), 15_000, 'reconnect');
      // (Counted by type: on a quiet machine they may arrive before the reconnect is seen here.)
      await waitFor(() => count('WHILE_DOWN') === 2, 20_000, 'the events written while down');
      await write([user], 2, 'AFTER');
      await waitFor(() => count('AFTER') === 2, 20_000, 'the events written after');
      await new Promise((r) => setTimeout(r, 100));
      const seen = types();
      expect(seen.slice(seen.lastIndexOf('PRIME') + 1)).toEqual([
        'WHILE_DOWN',
        'WHILE_DOWN',
        'AFTER',
        'AFTER',
      ]);
      expect(new Set(sub.ids()).size).toBe(sub.ids().length);
      const now = await listeners();
      expect(now).toHaveLength(1);
      expect(now[0]).not.toBe(pid);
    } finally {
      await stream.close();
    }
  });

  it('refuses bad input synchronously, naming the field', () => {
    const stream = new EventStream({ db: pool });
    expect(() => stream.subscribe({ userId: '' })).toThrow(/scope.userId/);
    expect(() => stream.subscribe({ userId: 'u' }, { agent: 'x' } as never)).toThrow(
      /filters.agent/,
    );
    expect(() => stream.subscribe({ userId: 'u' }, {}, { from: 'nope' })).toThrow(/options.from/);
    expect(() => stream.subscribe({ userId: 'u' }, {}, { from: 1 } as never)).toThrow(
      /options.from/,
    );
    expect(() => new EventStream({ db: pool, bufferSize: 0 })).toThrow(/options.bufferSize/);
  });
});
