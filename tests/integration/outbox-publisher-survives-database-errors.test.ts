/**
 * Database errors never escape the publisher: a claim or settle that fails is emitted as an
 * OutboxPublisherError and the publisher carries on; rows it could not settle come back when
 * their lease expires (and are delivered again: at least once).
 */
import { describe, expect, it } from 'vitest';
import { type EventrailError, MemorySink, OutboxPublisherError } from '../../src/index.js';
import { migrate, OutboxPublisher, OutboxWriter } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { outboxEvents, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
const LEASE_MS = 1000;

async function commit(schema: string, count: number): Promise<string[]> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const ids = await new OutboxWriter({ schema }).write(client, outboxEvents(count));
    await client.query('COMMIT');
    return ids;
  } finally {
    client.release();
  }
}

describe('database errors', () => {
  it('a failing claim is emitted and retried by polling until the table is there', async () => {
    const sink = new MemorySink();
    const publisher = new OutboxPublisher({
      db: db.pool,
      schema: 'late',
      sinks: [sink],
      pollIntervalMs: 20,
    });
    const errors: EventrailError[] = [];
    publisher.on('error', (e) => errors.push(e));
    await publisher.start();
    await waitFor(() => errors.length >= 2, 10_000, 'claim errors');
    expect(errors[0]).toBeInstanceOf(OutboxPublisherError);
    expect(errors[0]).toMatchObject({
      operation: 'claim',
      cause: { code: 'NOT_MIGRATED', missing: 'late.event_outbox', cause: { code: '42P01' } },
    });

    await migrate({ db: db.pool, schema: 'late' });
    const ids = await commit('late', 5);
    await waitFor(() => sink.events.length === 5, 10_000, 'the delivery');
    expect(sink.events.map((e) => e.id).sort()).toEqual([...ids].sort());
    await publisher.close();
  });

  /**
   * A publisher whose first settle finds the table gone; it comes back after `awayMs`. The lease
   * (1 s) leaves the settle's retries (10, 20, 40, 80, 160, 320 ms apart) room on a loaded
   * machine, where renaming the table back can itself take a while.
   */
  async function settleFailsFor(awayMs: number) {
    const ids = await commit('eventrail', 4);
    const delivered: string[] = [];
    const publisher = new OutboxPublisher({
      db: db.pool,
      leaseMs: LEASE_MS,
      pollIntervalMs: 20,
      publish: async (batch) => {
        delivered.push(...batch.map((e) => e.id));
        if (delivered.length === 4) {
          // The table goes away between the publish and its settle, and comes back later.
          await db.pool.query('ALTER TABLE eventrail.event_outbox RENAME TO event_outbox_away');
          setTimeout(() => {
            void db.pool.query('ALTER TABLE eventrail.event_outbox_away RENAME TO event_outbox');
          }, awayMs);
        }
      },
    });
    const operations: string[] = [];
    publisher.on('error', (e) => operations.push((e as OutboxPublisherError).operation));
    await publisher.start();
    return { ids, delivered, operations, publisher };
  }

  async function publishedCount(ids: readonly string[]): Promise<number> {
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM eventrail.event_outbox
        WHERE status = 'published' AND id = ANY($1::uuid[])`,
      [ids],
    );
    return rows[0].n;
  }

  it('a settle that fails is retried while the lease lasts: the batch is delivered once', async () => {
    const { ids, delivered, operations, publisher } = await settleFailsFor(100);
    await waitFor(
      async () => (await publishedCount(ids).catch(() => 0)) === 4,
      10_000,
      'the settle',
    );
    // Past the lease: nothing is delivered again.
    await new Promise((r) => setTimeout(r, LEASE_MS * 2));
    await publisher.close();
    expect(operations).toContain('settle');
    expect(delivered.sort()).toEqual([...ids].sort());
    expect(await publishedCount(ids)).toBe(4);
  });

  it('a settle that fails until the lease ends leaves the rows to be delivered again', async () => {
    const { ids, delivered, operations, publisher } = await settleFailsFor(LEASE_MS * 2);
    await waitFor(() => delivered.length === 8, 10_000, 'the second delivery');
    await publisher.close();
    expect(operations).toContain('settle');
    expect(delivered.slice(4).sort()).toEqual([...ids].sort());
    expect(await publishedCount(ids)).toBe(4);
  });
});
