/** What operators look at: metrics(), outboxStats(), and purgePublished() for cleanup. */
import { describe, expect, it } from 'vitest';
import { PartialWriteError, ValidationError } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, statusCounts, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();

describe('outbox metrics, stats and purge', () => {
  it('counts published, failed and pending rows, their latency, and the age of the oldest pending one', async () => {
    await commitToOutbox(db.pool, [
      ...outboxEvents(20),
      ...outboxEvents(10, { type: 'agent_switched' }),
    ]);
    const publisher = new OutboxPublisher({
      db: db.pool,
      pollIntervalMs: 20,
      maxRetries: 0,
      publish: async (batch) => {
        const unroutable = batch.filter((e) => e.type === 'agent_switched');
        if (unroutable.length > 0) throw new PartialWriteError(unroutable, new Error('no route'));
      },
      batchSize: 10,
      maxBatchSize: 10,
    });
    await publisher.start();
    await waitFor(
      async () => (await statusCounts(db.pool)).pending === undefined,
      10_000,
      'all settled',
    );
    await publisher.stop();
    await commitToOutbox(db.pool, outboxEvents(5));
    await new Promise((r) => setTimeout(r, 100));

    const metrics = await publisher.metrics();
    expect(metrics).toMatchObject({
      pending: 5,
      published: 20,
      failed: 10,
      retried: 0,
      leaseLost: 0,
      released: 0,
      batches: 3,
      errors: 0,
      inFlight: 0,
      listening: false,
    });
    expect(metrics.oldestPendingAgeMs).toBeGreaterThanOrEqual(90);
    expect(metrics.oldestPendingAgeMs).toBeLessThan(60_000);
    const latency = metrics.publishLatencyMs;
    expect(latency.p50).toBeGreaterThan(0);
    expect(latency.p99).toBeGreaterThanOrEqual(latency.p50);
    expect(latency.max).toBeGreaterThanOrEqual(latency.p99);
    expect(latency.max).toBeLessThan(60_000);

    expect(await publisher.outboxStats()).toEqual({
      byStatus: { pending: 5, published: 20, failed: 10 },
      byType: {
        message_created: { pending: 5, published: 20, failed: 0 },
        agent_switched: { pending: 0, published: 0, failed: 10 },
      },
    });
  });

  it('purgePublished deletes published rows older than the cutoff, in chunks, and nothing else', async () => {
    const publisher = new OutboxPublisher({ db: db.pool, publish: async () => {} });
    await db.pool.query(`
      INSERT INTO eventrail.event_outbox (id, event_type, user_id, status, published_at)
      SELECT gen_random_uuid(), 'old', 'u', 'published', now() - interval '8 days'
        FROM generate_series(1, 12000)`);
    expect(await publisher.purgePublished({ olderThan: 7 * 86_400_000 })).toBe(12_000);
    expect(await statusCounts(db.pool)).toEqual({ pending: 5, published: 20, failed: 10 });
    expect(await publisher.purgePublished({ olderThan: new Date(Date.now() - 60_000) })).toBe(0);
    expect(await publisher.purgePublished({ olderThan: new Date(Date.now() + 60_000) })).toBe(20);
    expect(await statusCounts(db.pool)).toEqual({ pending: 5, failed: 10 });
  });

  it('refuses bad arguments with a ValidationError naming the field', async () => {
    const publisher = new OutboxPublisher({ db: db.pool, publish: async () => {} });
    await expect(publisher.purgePublished({ olderThan: Number.NaN })).rejects.toMatchObject({
      field: 'options.olderThan',
    });
    await expect(
      publisher.purgePublished({ olderThan: 'yesterday' as unknown as Date }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(publisher.reprocessFailed({ ids: ['not-a-uuid'] })).rejects.toMatchObject({
      field: 'filter.ids[0]',
      code: 'VALIDATION_RANGE',
    });
    await expect(
      publisher.reprocessFailed({ eventTypes: [42 as unknown as string] }),
    ).rejects.toMatchObject({ field: 'filter.eventTypes' });
    await expect(
      publisher.reprocessFailed({ ids: 'not-a-list' as unknown as string[] }),
    ).rejects.toMatchObject({ field: 'filter.ids', code: 'VALIDATION_TYPE' });
  });
});
