/**
 * A stream from the WAL delivers in commit order: transactions that took their ids in one order
 * and commit in another come as they commit, each at its commit.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EventStream } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { collect } from '../helpers/stream.js';

const db = useTestDatabase({ server: 'logical' });
let stream: EventStream;

beforeAll(() => {
  stream = new EventStream({ db: db.pool, source: 'wal', walConnection: db.url });
});
afterAll(async () => {
  await stream.close();
});

it('delivers transactions in the order they commit, not the order of their ids', async () => {
  const user = 'commit-order';
  const live = collect(stream.subscribe({ userId: user }));
  await live.started();
  const clients = await Promise.all(Array.from({ length: 6 }, () => db.pool.connect()));
  try {
    // Opened (ids taken) in order 0..5, two events each.
    const written: string[][] = [];
    for (const client of clients) {
      const ids = [randomUUID(), randomUUID()];
      await client.query('BEGIN');
      await client.query(
        'INSERT INTO eventrail.event_logs (id, event_type, user_id) VALUES ($1, $3, $4), ($2, $3, $4)',
        [...ids, 'E', user],
      );
      written.push(ids);
    }
    const order = [3, 0, 5, 1, 4, 2];
    const expected: string[] = [];
    for (const i of order) {
      await clients[i]?.query('COMMIT');
      // Each at its commit: before the next one commits.
      expected.push(...(written[i] as string[]));
      await live.until(expected.length, 5_000);
      expect(new Set(live.ids())).toEqual(new Set(expected));
    }
    // Within a transaction, its rows in the order it wrote them.
    expect(live.ids()).toEqual(expected);
  } finally {
    for (const client of clients) client.release();
  }
});
