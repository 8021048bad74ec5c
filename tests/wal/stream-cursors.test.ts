/**
 * Cursors of a stream from the WAL and of the NOTIFY stream resume each other: a WAL cursor
 * resumes from the settled mark read before its transaction committed, so a lower transaction id
 * that commits later is never passed (events that committed before it at or above that mark
 * come again); a NOTIFY cursor is final, and resumes exactly in either mode.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStream } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { collect } from '../helpers/stream.js';

const db = useTestDatabase({ server: 'logical' });
const cursorSecret = 'a shared secret of the two streams';
let fromWal: EventStream;
let fromNotify: EventStream;

beforeAll(() => {
  fromWal = new EventStream({ db: db.pool, source: 'wal', walConnection: db.url, cursorSecret });
  fromNotify = new EventStream({ db: db.pool, cursorSecret });
});
afterAll(async () => {
  await Promise.all([fromWal.close(), fromNotify.close()]);
});

const insert = 'INSERT INTO eventrail.event_logs (id, event_type, user_id) VALUES ($1, $2, $3)';
const write = (user: string, type = 'E') => {
  const id = randomUUID();
  return db.pool.query(insert, [id, type, user]).then(() => id);
};

describe('a cursor of the WAL stream', () => {
  it('taken while a lower transaction is open, resumes it in both modes: nothing lost, the rest repeated', async () => {
    const user = 'lower-commits-later';
    const live = collect(fromWal.subscribe({ userId: user }));
    await live.started();
    const low = await db.pool.connect();
    const held = randomUUID();
    let a: string;
    try {
      await low.query('BEGIN');
      await low.query(insert, [held, 'LOW', user]);
      a = await write(user, 'A');
      await live.until(1);
      await low.query('COMMIT');
    } finally {
      low.release();
    }
    await live.until(2);
    expect(live.ids()).toEqual([a, held]);
    const cursor = live.events[0]?.cursor as string;
    const b = await write(user, 'B');
    await live.until(3);

    for (const stream of [fromNotify, fromWal]) {
      const resumed = collect(stream.subscribe({ userId: user }, {}, { from: cursor }));
      await resumed.until(3);
      // Everything after `a` in commit order (held, b), with `a` repeated: in (tx_id, id) order.
      expect(resumed.ids()).toEqual([held, a, b]);
    }
  });

  it('of the last event, with no transaction open, repeats only what committed since the mark was read', async () => {
    const user = 'quiet';
    const live = collect(fromWal.subscribe({ userId: user }));
    await live.started();
    const first = await write(user);
    await live.until(1);
    // The mark is read every pollIntervalMs (1 s): two intervals after `first` commits, one read is past it.
    await new Promise((r) => setTimeout(r, 2_500));
    const second = await write(user);
    await live.until(2);
    const resumed = collect(
      fromWal.subscribe({ userId: user }, {}, { from: live.events[1]?.cursor }),
    );
    await resumed.started();
    const third = await write(user);
    await resumed.until(2);
    expect(live.ids()).toEqual([first, second, third]);
    // `second` may come again (it committed after the mark was read), `first` never.
    expect(resumed.ids()).toEqual([second, third]);
  });
});

describe('a cursor of the NOTIFY stream', () => {
  it('resumes a stream from the WAL exactly: history after it, then live, nothing repeated', async () => {
    const user = 'from-notify';
    const n = collect(fromNotify.subscribe({ userId: user }));
    await n.started();
    const ids = [await write(user), await write(user), await write(user)];
    await n.until(3);
    const resumed = collect(
      fromWal.subscribe({ userId: user }, {}, { from: n.events[0]?.cursor, markers: false }),
    );
    await resumed.until(2);
    const next = await write(user);
    await resumed.until(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(resumed.ids()).toEqual([ids[1], ids[2], next]);
  });
});

it('hands over from the WAL the very record a read of the table gives, every field', async () => {
  const user = 'every-field';
  const wal = collect(fromWal.subscribe({ userId: user }));
  const notify = collect(fromNotify.subscribe({ userId: user }));
  await Promise.all([wal.started(), notify.started()]);
  await db.pool.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id, project_id, tenant_id, session_id,
       agent_id, aggregate_type, aggregate_id, workflow_id, correlation_id, source, payload,
       error_code, tool_name, approval_status, routing_key, priority, occurred_at, trace_id, span_id)
     VALUES ($1, 'T', $2, 'p', 't', 's', 'a', 'order', 'o-1', 'w', 'c', 'src',
       '{"n": 1.5, "s": "é\\"", "deep": {"list": [1, null]}}', 'E1', 'tool', 'approved', 'rk', 7,
       '2026-03-04 05:06:07.891234+02', 'trace', 'span')`,
    [randomUUID(), user],
  );
  await Promise.all([wal.until(1), notify.until(1)]);
  expect(wal.events[0]?.event).toEqual(notify.events[0]?.event);
  expect(wal.events[0]?.event.occurredAt.toISOString()).toBe('2026-03-04T03:06:07.891Z');
});
