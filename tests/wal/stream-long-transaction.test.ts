/**
 * A stream from the WAL delivers each transaction's events at its commit, in commit order,
 * while a transaction stays open for 30 s; the NOTIFY stream, reading below the oldest open
 * transaction, holds the same events back until it ends.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EventStream } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { collect } from '../helpers/stream.js';

const db = useTestDatabase({ server: 'logical' });
let fromWal: EventStream;
let fromNotify: EventStream;

beforeAll(() => {
  fromWal = new EventStream({ db: db.pool, source: 'wal', walConnection: db.url });
  fromNotify = new EventStream({ db: db.pool });
});
afterAll(async () => {
  await Promise.all([fromWal.close(), fromNotify.close()]);
});

const insert = 'INSERT INTO eventrail.event_logs (id, event_type, user_id) VALUES ($1, $2, $3)';
const OPEN_MS = 30_000;

it('delivers other commits within a second while a transaction stays open 30 s; NOTIFY holds them', async () => {
  const user = 'long-tx';
  const wal = collect(fromWal.subscribe({ userId: user }));
  const notify = collect(fromNotify.subscribe({ userId: user }));
  // Started: the WAL stream's slot exists (made before the long transaction opens).
  await Promise.all([wal.started(), notify.started()]);

  const long = await db.pool.connect();
  const held = randomUUID();
  const committed: string[] = [];
  const latencies: number[] = [];
  try {
    await long.query('BEGIN');
    await long.query(insert, [held, 'HELD', user]);
    const opened = Date.now();
    // One commit every ~5 s while it stays open: each reaches the WAL stream within a second.
    while (Date.now() - opened < OPEN_MS - 5_000) {
      const id = randomUUID();
      const at = performance.now();
      await db.pool.query(insert, [id, 'OTHER', user]);
      committed.push(id);
      await wal.until(committed.length, 5_000);
      latencies.push(performance.now() - at);
      expect(notify.ids()).toEqual([]);
      await new Promise((r) => setTimeout(r, 5_000));
    }
    const elapsed = Date.now() - opened;
    expect(elapsed).toBeGreaterThanOrEqual(OPEN_MS - 5_000);
    expect(wal.ids()).toEqual(committed);
    expect(Math.max(...latencies)).toBeLessThan(1_000);
    // Still held back by NOTIFY's stream, 25 s on.
    expect(notify.ids()).toEqual([]);
    await new Promise((r) => setTimeout(r, Math.max(0, OPEN_MS - (Date.now() - opened))));
    expect(notify.ids()).toEqual([]);
    await long.query('COMMIT');
  } finally {
    long.release();
  }
  await wal.until(committed.length + 1);
  await notify.until(committed.length + 1);
  // Commit order from the WAL; (tx_id, id) order from NOTIFY, where the held row comes first.
  expect(wal.ids()).toEqual([...committed, held]);
  expect(notify.ids()).toEqual([held, ...committed]);
  console.log(
    `wal stream latency with a transaction open: ${latencies.map((l) => l.toFixed(0)).join(', ')} ms`,
  );
}, 90_000);

it('reports the slot in metrics while it streams', async () => {
  await waitFor(() => fromWal.metrics().listening, 5_000, 'the slot to stream');
  expect(fromWal.metrics().reads).toBeGreaterThan(0);
});
