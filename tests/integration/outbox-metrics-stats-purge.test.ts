/** What operators look at: metrics(), stats(), counts(), and purgePublished() for cleanup. */
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
      retry: { retries: 0 },
      publish: async (batch) => {
        const unroutable = batch.filter((e) => e.type === 'agent_switched');
        if (unroutable.length > 0) throw new PartialWriteError(unroutable, new Error('no route'));
      },
      claimSize: 10,
      maxClaimSize: 10,
    });
    await publisher.start();
    await waitFor(
      async () => (await statusCounts(db.pool)).pending === undefined,
      10_000,
      'all settled',
    );
    await publisher.close();
    await commitToOutbox(db.pool, outboxEvents(5));
    await new Promise((r) => setTimeout(r, 100));

    // Synchronous, plain values, exactly the documented keys.
    const metrics = publisher.metrics();
    expect(metrics).not.toBeInstanceOf(Promise);
    expect(Object.keys(metrics).sort()).toEqual(
      [
        'published',
        'retried',
        'failed',
        'leaseLost',
        'released',
        'batches',
        'errors',
        'inFlight',
        'listening',
        'publishLatencyMs',
      ].sort(),
    );
    expect(metrics).toMatchObject({
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
    const latency = metrics.publishLatencyMs;
    expect(Object.keys(latency).sort()).toEqual(['count', 'max', 'p50', 'p99']);
    expect(latency.count).toBe(20);
    expect(latency.p50).toBeGreaterThan(0);
    expect(latency.p99).toBeGreaterThanOrEqual(latency.p50);
    expect(latency.max).toBeGreaterThanOrEqual(latency.p99);
    expect(latency.max).toBeLessThan(60_000);

    // The table's backlog is a query of its own.
    const stats = await publisher.stats();
    expect(Object.keys(stats).sort()).toEqual(['oldestPendingAgeMs', 'pending']);
    expect(stats.pending).toBe(5);
    expect(stats.oldestPendingAgeMs).toBeGreaterThanOrEqual(90);
    expect(stats.oldestPendingAgeMs).toBeLessThan(60_000);

    expect(await publisher.counts()).toEqual({
      byStatus: { pending: 5, published: 20, failed: 10 },
      byType: {
        message_created: { pending: 5, published: 20, failed: 0 },
        agent_switched: { pending: 0, published: 0, failed: 10 },
      },
    });
  });

  it('purgePublished deletes published rows older than the given age, in chunks, and nothing else', async () => {
    const publisher = new OutboxPublisher({ db: db.pool, publish: async () => {} });
    await db.pool.query(`
      INSERT INTO eventrail.event_outbox (id, event_type, user_id, status, published_at)
      SELECT gen_random_uuid(), 'old', 'u', 'published', now() - interval '8 days'
        FROM generate_series(1, 12000)`);
    expect(await publisher.purgePublished({ olderThanMs: 7 * 86_400_000 })).toBe(12_000);
    expect(await statusCounts(db.pool)).toEqual({ pending: 5, published: 20, failed: 10 });
    expect(await publisher.purgePublished({ olderThanMs: 60_000 })).toBe(0);
    // An age beyond a timer's range (here a year) is fine: nothing is that old.
    expect(await publisher.purgePublished({ olderThanMs: 365 * 86_400_000 })).toBe(0);
    expect(await publisher.purgePublished({ olderThanMs: 0 })).toBe(20);
    expect(await statusCounts(db.pool)).toEqual({ pending: 5, failed: 10 });
  });

  it('refuses bad arguments with a ValidationError naming the field', async () => {
    const publisher = new OutboxPublisher({ db: db.pool, publish: async () => {} });
    await expect(publisher.purgePublished({ olderThanMs: Number.NaN })).rejects.toMatchObject({
      field: 'options.olderThanMs',
    });
    await expect(publisher.purgePublished({ olderThanMs: -1 })).rejects.toMatchObject({
      field: 'options.olderThanMs',
      code: 'VALIDATION_RANGE',
    });
    await expect(
      publisher.purgePublished({ olderThanMs: '7d' as unknown as number }),
    ).rejects.toBeInstanceOf(ValidationError);
    // The former Date-or-age option is refused by name, with the new one suggested.
    await expect(
      publisher.purgePublished({ olderThan: 1000 } as unknown as { olderThanMs: number }),
    ).rejects.toMatchObject({
      field: 'options.olderThan',
      code: 'VALIDATION_UNKNOWN',
      message: expect.stringContaining("did you mean 'olderThanMs'?"),
    });
    await expect(
      publisher.purgePublished(undefined as unknown as { olderThanMs: number }),
    ).rejects.toMatchObject({ field: 'options', code: 'VALIDATION_REQUIRED' });
    await expect(publisher.reprocessFailed({ ids: ['not-a-uuid'] })).rejects.toMatchObject({
      field: 'filter.ids[0]',
      code: 'VALIDATION_RANGE',
    });
    await expect(
      publisher.reprocessFailed({ types: [42 as unknown as string] }),
    ).rejects.toMatchObject({ field: 'filter.types' });
    await expect(
      publisher.reprocessFailed({ ids: 'not-a-list' as unknown as string[] }),
    ).rejects.toMatchObject({ field: 'filter.ids', code: 'VALIDATION_TYPE' });
    await expect(
      publisher.reprocessFailed({ type: ['x'] } as unknown as { types: string[] }),
    ).rejects.toMatchObject({
      field: 'filter.type',
      code: 'VALIDATION_UNKNOWN',
      message: expect.stringContaining("did you mean 'types'?"),
    });
    await expect(publisher.reprocessFailed(null as never)).rejects.toMatchObject({
      field: 'filter',
      code: 'VALIDATION_TYPE',
    });
  });
});
