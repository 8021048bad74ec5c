/** OutboxWriter: rows exist if and only if the caller's transaction commits. */
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { OutboxWriter } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
const writer = new OutboxWriter();

async function outboxIds(ids: readonly string[]): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(
    'SELECT id FROM eventrail.event_outbox WHERE id = ANY($1::uuid[]) ORDER BY id',
    [ids],
  );
  return rows.map((r) => r.id);
}

const event = (i: number) => ({
  type: 'message_created',
  userId: 'user-1',
  aggregateType: 'chat',
  aggregateId: 'chat-1',
  payload: { text: `hello ${i}` },
});

describe('OutboxWriter in a drizzle node-postgres transaction', () => {
  it('commit leaves the rows (pending), written with the business change', async () => {
    const orm = drizzle(db.pool);
    await orm.execute('CREATE TABLE messages (id serial PRIMARY KEY, text text)');
    const ids = await orm.transaction(async (tx) => {
      await tx.execute(`INSERT INTO messages (text) VALUES ('hello')`);
      return writer.write(tx, [event(1), event(2)]);
    });
    expect(await outboxIds(ids)).toEqual([...ids].sort());
    const { rows } = await db.pool.query(
      `SELECT status, retry_count, locked_by, event_type, payload FROM eventrail.event_outbox WHERE id = $1`,
      [ids[0]],
    );
    expect(rows[0]).toEqual({
      status: 'pending',
      retry_count: 0,
      locked_by: null,
      event_type: 'message_created',
      payload: { text: 'hello 1' },
    });
    expect((await db.pool.query('SELECT count(*)::int AS n FROM messages')).rows[0].n).toBe(1);
  });

  it('rollback leaves neither the business row nor the outbox rows', async () => {
    const orm = drizzle(db.pool);
    let ids: string[] = [];
    await expect(
      orm.transaction(async (tx) => {
        await tx.execute(`INSERT INTO messages (text) VALUES ('lost')`);
        ids = await writer.write(tx, [event(3), event(4)]);
        throw new Error('business failure after the write');
      }),
    ).rejects.toThrow('business failure');
    expect(ids).toHaveLength(2);
    expect(await outboxIds(ids)).toEqual([]);
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM messages WHERE text = 'lost'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('works in a nested transaction (savepoint) and rolls back with it', async () => {
    const orm = drizzle(db.pool);
    const [kept, dropped] = await orm.transaction(async (tx) => {
      const outer = await writer.write(tx, event(5));
      let inner = '';
      await tx
        .transaction(async (nested) => {
          inner = await writer.write(nested, event(6));
          throw new Error('inner');
        })
        .catch(() => {});
      return [outer, inner];
    });
    expect(await outboxIds([kept, dropped])).toEqual([kept]);
  });
});

describe('OutboxWriter on a pg client inside BEGIN', () => {
  let client: pg.PoolClient;
  beforeAll(async () => {
    client = await db.pool.connect();
  });
  afterAll(() => client.release());

  it('COMMIT leaves the rows; ROLLBACK leaves none', async () => {
    await client.query('BEGIN');
    const committed = await writer.write(client, [event(7), event(8), event(9)]);
    await client.query('COMMIT');
    await client.query('BEGIN');
    const rolledBack = await writer.write(client, event(10));
    await client.query('ROLLBACK');
    expect(await outboxIds([...committed, rolledBack])).toEqual([...committed].sort());
  });

  it('refuses an idle client, a pool, and a drizzle database: each would commit on its own', async () => {
    for (const tx of [client, db.pool, drizzle(db.pool)]) {
      const error = await writer.write(tx, event(11)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field: 'tx', code: 'VALIDATION_TYPE' });
    }
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM eventrail.event_outbox WHERE payload->>'text' = 'hello 11'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('validates like logEvent: a bad event rejects the call, writes nothing, and leaves the transaction usable', async () => {
    await client.query('BEGIN');
    const error = await writer
      .write(client, [event(12), { type: 'x', userId: '' }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field: '[1].userId', code: 'VALIDATION_REQUIRED' });
    const id = await writer.write(client, event(13));
    await client.query('COMMIT');
    expect(await outboxIds([id])).toEqual([id]);
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM eventrail.event_outbox WHERE payload->>'text' = 'hello 12'`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('keeps a caller-given id, and a second write of the same id changes nothing', async () => {
    const id = '0190a6e2-8f3b-7c4d-9e5f-0a1b2c3d4e5f';
    for (const text of ['first', 'second']) {
      await client.query('BEGIN');
      expect(await writer.write(client, { ...event(0), id, payload: { text } })).toBe(id);
      await client.query('COMMIT');
    }
    const { rows } = await db.pool.query(
      'SELECT payload FROM eventrail.event_outbox WHERE id = $1',
      [id],
    );
    expect(rows).toEqual([{ payload: { text: 'first' } }]);
  });

  it('notifies publishers on commit only, once per transaction', async () => {
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.channel));
    await listener.query('LISTEN "eventrail.event_outbox"');
    try {
      await client.query('BEGIN');
      await writer.write(client, event(14));
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await writer.write(client, event(15));
      await writer.write(client, [event(16), event(17)]);
      await client.query('COMMIT');
      await waitFor(() => heard.length > 0, 5000, 'a notification');
      await listener.query('SELECT 1'); // anything queued behind it has arrived by now
      expect(heard).toEqual(['eventrail.event_outbox']);
    } finally {
      await listener.end();
    }
  });

  it('with notify: false, writes without notifying', async () => {
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    let heard = 0;
    listener.on('notification', () => heard++);
    await listener.query('LISTEN "eventrail.event_outbox"');
    try {
      await client.query('BEGIN');
      const id = await new OutboxWriter({ notify: false }).write(client, event(18));
      await client.query('COMMIT');
      await listener.query('SELECT pg_sleep(0.2)');
      expect(heard).toBe(0);
      expect(await outboxIds([id])).toEqual([id]);
    } finally {
      await listener.end();
    }
  });
});
