/**
 * The temporary slot of a stream from the WAL: gone with its connection (closed, or killed),
 * never left behind; a lost slot ends every subscription with a WalError, and resuming from
 * their cursors loses nothing. A server not `logical` is refused with WAL_LEVEL.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EventStream } from '../../src/postgres/index.js';
import { WalError } from '../../src/postgres/wal/errors.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { collect } from '../helpers/stream.js';

const db = useTestDatabase({ server: 'logical' });
const main = useTestDatabase();
let stream: EventStream;
const errors: unknown[] = [];

beforeAll(() => {
  stream = new EventStream({ db: db.pool, source: 'wal', walConnection: db.url });
  stream.on('error', (error) => errors.push(error));
});
afterAll(async () => {
  await stream.close();
});

const slots = async () =>
  (
    await db.pool.query<{ slot_name: string; temporary: boolean; active_pid: number | null }>(
      `SELECT slot_name, temporary, active_pid FROM pg_replication_slots
        WHERE database = current_database() AND slot_name LIKE 'eventrail_stream_%'`,
    )
  ).rows;
const write = async (user: string) => {
  const id = randomUUID();
  await db.pool.query(
    'INSERT INTO eventrail.event_logs (id, event_type, user_id) VALUES ($1, $2, $3)',
    [id, 'E', user],
  );
  return id;
};

it('a slot lost ends every subscription with a WalError; their cursors resume with nothing lost', async () => {
  const user = 'slot-lost';
  const live = collect(stream.subscribe({ userId: user }));
  await live.started();
  const [slot] = await slots();
  expect(slot?.temporary).toBe(true);
  const { rows } = await db.pool.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const first = await write(user);
  await live.until(1);
  // What it handed over is confirmed (at the next reading of the floor): no WAL kept for it.
  await waitFor(
    async () =>
      (
        await db.pool.query(
          'SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND confirmed_flush_lsn > $2::pg_lsn',
          [slot?.slot_name, rows[0]?.lsn],
        )
      ).rows.length === 1,
    5_000,
    'the slot to confirm the event',
  );
  await db.pool.query('SELECT pg_terminate_backend($1)', [slot?.active_pid]);
  const ended = await live.finished;
  expect(ended).toBeInstanceOf(WalError);
  expect(errors.some((e) => e instanceof WalError)).toBe(true);
  // The server dropped the temporary slot with its connection.
  await waitFor(async () => (await slots()).length === 0, 5_000, 'the slot to go');
  const missed = await write(user);
  const resumed = collect(stream.subscribe({ userId: user }, {}, { from: live.events[0]?.cursor }));
  await resumed.started();
  const next = await write(user);
  await waitFor(() => resumed.ids().includes(next), 5_000, 'the event after the resume');
  // `first` may come again (its cursor resumes from the mark read before it committed).
  expect(resumed.ids().filter((id) => id !== first)).toEqual([missed, next]);
  // A new slot streams.
  expect((await slots()).length).toBe(1);
});

it('close() drops the slot', async () => {
  const other = new EventStream({ db: db.pool, source: 'wal', walConnection: db.url });
  const before = (await slots()).length;
  const sub = collect(other.subscribe({ userId: 'closing' }));
  await sub.started();
  expect((await slots()).length).toBe(before + 1);
  const summary = await other.close();
  expect(summary).toEqual({ timedOut: false, ended: 1 });
  await waitFor(async () => (await slots()).length === before, 5_000, 'the slot to go');
});

it("refuses a server whose wal_level is not logical with WAL_LEVEL, at the subscription's first next()", async () => {
  const { rows } = await main.pool.query<{ wal_level: string }>('SHOW wal_level');
  const replica = new EventStream({ db: main.pool, source: 'wal', walConnection: main.url });
  try {
    const sub = replica.subscribe({ userId: 'u' });
    if (rows[0]?.wal_level === 'logical') {
      // A CI server made logical: the check does not apply there.
      await collect(sub).started();
      return;
    }
    await expect(sub.next()).rejects.toMatchObject({ code: 'WAL_LEVEL' });
  } finally {
    await replica.close();
  }
});
