/**
 * With `listen` (the default), the publisher's claims and settlements are prepared statements on
 * `pg`: parsed and planned once per connection. With `listen: false`, the setting for a proxy that
 * pools by transaction, nothing is left prepared on the connection.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, statusCounts, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
let client: pg.Client;

beforeEach(async () => {
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
});
afterEach(() => client.end());

/** Publishes `count` committed events through a publisher on `client`; returns what it sent. */
async function publishAll(listen: boolean, count: number): Promise<number> {
  const before = (await statusCounts(db.pool)).published ?? 0;
  await commitToOutbox(db.pool, outboxEvents(count));
  let delivered = 0;
  const publisher = new OutboxPublisher({
    db: client,
    listen,
    claimSize: 2,
    pollIntervalMs: 50,
    publish: async (batch) => {
      delivered += batch.length;
    },
  });
  await publisher.start();
  await waitFor(
    async () => (await statusCounts(db.pool)).published === before + count,
    20_000,
    'settled',
  );
  await publisher.close();
  return delivered;
}

async function prepared(): Promise<string[]> {
  const { rows } = await client.query<{ statement: string }>(
    'SELECT statement FROM pg_prepared_statements WHERE NOT from_sql ORDER BY name',
  );
  return rows.map((r) => r.statement);
}

describe('the publisher on pg', () => {
  it('prepares its claim and settlement once per connection when it listens', async () => {
    expect(await publishAll(true, 7)).toBe(7);
    const statements = await prepared();
    expect(statements.some((s) => s.includes('FOR UPDATE SKIP LOCKED'))).toBe(true);
    expect(statements.some((s) => s.includes("status = 'published', published_at = now()"))).toBe(
      true,
    );
  });

  it('prepares nothing with listen: false', async () => {
    expect(await publishAll(false, 7)).toBe(7);
    expect(await prepared()).toEqual([]);
  });
});
