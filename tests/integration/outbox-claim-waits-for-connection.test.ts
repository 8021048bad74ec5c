/**
 * A claim that waited longer than its lease for a pool connection published nothing: its rows
 * are handed back untouched (no attempt counted), and a later claim publishes them.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type EventrailError, MemorySink } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
const pool = new pg.Pool({ connectionString: db.url, max: 1 });

afterAll(async () => {
  await pool.end();
});

describe('a claim that waits for a pool connection past its lease', () => {
  it('counts no attempt for the rows it never published', async () => {
    await commitToOutbox(db.pool, outboxEvents(10));
    const sink = new MemorySink({ name: 'sink' });
    const leaseMs = 300;
    const publisher = new OutboxPublisher({
      db: pool,
      sinks: [sink],
      listen: false,
      leaseMs,
      pollIntervalMs: 100,
    });
    const errors: EventrailError[] = [];
    publisher.on('error', (error) => errors.push(error));
    // The host holds the pool's only connection for twice the lease.
    const held = await pool.connect();
    await publisher.start();
    await new Promise((r) => setTimeout(r, 2 * leaseMs));
    held.release();
    await waitFor(() => errors.length > 0, 5000, 'the claim to be given up');
    expect(errors[0]).toMatchObject({ operation: 'claim' });
    expect(sink.events).toHaveLength(0);
    // The late rows are released untouched; a later claim publishes them on its first attempt.
    await waitFor(() => publisher.metrics().released >= 10, 5000, 'the release');
    await waitFor(() => sink.events.length === 10, 5000, 'the publish');
    await publisher.close();
    const { rows } = await db.pool.query<{ retry_count: number; status: string }>(
      'SELECT retry_count, status FROM eventrail.event_outbox',
    );
    expect(rows).toEqual(Array(10).fill({ retry_count: 0, status: 'published' }));
    expect(publisher.metrics().retried).toBe(0);
  });
});
