/**
 * A claim and a settlement commit without waiting for the WAL flush (a crash can only make their
 * rows published again), and that setting ends with their own transaction: the connection goes
 * back to the pool, or to the host's next transaction, as durable as it came.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { tableNames } from '../../src/postgres/sql/names.js';
import { outboxSql } from '../../src/postgres/sql/outbox.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, statusCounts, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
const statements = outboxSql(tableNames());
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterAll(() => client.end());

const setting = async () =>
  (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]
    ?.synchronous_commit;

describe('claims and settlements', () => {
  it('turn synchronous_commit off for their own transaction only', async () => {
    await commitToOutbox(db.pool, outboxEvents(3));
    const inTransaction = async (text: string, params: unknown[]) => {
      await client.query('BEGIN');
      try {
        const { rows } = await client.query(text, params);
        return { rows, setting: await setting() };
      } finally {
        await client.query('COMMIT');
      }
    };
    const claim = await inTransaction(statements.claim, [10, 30_000, 'flush/1']);
    expect(claim.rows).toHaveLength(3);
    expect(claim.setting).toBe('off');
    expect(await setting()).toBe('on');

    const ids = `{${claim.rows.map((r) => r.a).join(',')}}`;
    const settle = await inTransaction(statements.settlePublished, [ids, 'flush/1']);
    // One answer row: all three settled, none lost.
    expect(settle.rows).toEqual([expect.objectContaining({ settled: 3, lost: '' })]);
    expect(settle.setting).toBe('off');
    expect(await setting()).toBe('on');
  });

  it('leave the connection as durable as it came after a publisher used it', async () => {
    await db.pool.query('TRUNCATE eventrail.event_outbox');
    await commitToOutbox(db.pool, outboxEvents(5));
    let delivered = 0;
    const publisher = new OutboxPublisher({
      db: client,
      listen: false,
      publish: async (batch) => {
        delivered += batch.length;
      },
    });
    await publisher.start();
    await waitFor(async () => (await statusCounts(db.pool)).published === 5, 20_000, 'settled');
    await publisher.close();
    expect(delivered).toBe(5);
    expect(await setting()).toBe('on');
  });
});
