/** OutboxAdmin: the outbox's maintenance with only a database, no publisher and no sink. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { OutboxAdmin } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, statusCounts } from '../helpers/outbox.js';

const db = useTestDatabase();

describe('OutboxAdmin', () => {
  it('counts, reprocesses failed rows and purges published ones with only db', async () => {
    const ids = await commitToOutbox(db.pool, outboxEvents(6));
    await db.pool.query(
      `UPDATE eventrail.event_outbox SET status = 'failed', retry_count = 3, last_error = 'x'
        WHERE id = ANY($1::uuid[])`,
      [ids.slice(0, 2)],
    );
    await db.pool.query(
      `UPDATE eventrail.event_outbox SET status = 'published', published_at = now() - interval '2 days'
        WHERE id = ANY($1::uuid[])`,
      [ids.slice(2, 5)],
    );
    // The one pending row was committed ten minutes ago.
    await db.pool.query(
      `UPDATE eventrail.event_outbox SET created_at = now() - interval '10 minutes' WHERE id = $1`,
      [ids[5]],
    );
    const admin = new OutboxAdmin({ db: db.pool });
    expect((await admin.counts()).byStatus).toEqual({ pending: 1, published: 3, failed: 2 });
    const stats = await admin.stats();
    expect(stats.pending).toBe(1);
    expect(stats.oldestPendingAgeMs).toBeGreaterThanOrEqual(600_000);
    expect(stats.oldestPendingAgeMs).toBeLessThan(660_000);
    expect(await admin.reprocessFailed({ ids: [ids[0] as string] })).toBe(1);
    expect(await statusCounts(db.pool)).toEqual({ pending: 2, published: 3, failed: 1 });
    expect(await admin.purgePublished({ olderThanMs: 24 * 3600 * 1000 })).toBe(3);
    expect(await admin.reprocessFailed()).toBe(1);
    expect(await statusCounts(db.pool)).toEqual({ pending: 3 });
  });

  it('refuses a missing db, a bad schema name or an unknown option at construction, naming the field', () => {
    expect(() => new OutboxAdmin({ db: undefined as never })).toThrow(
      expect.objectContaining({ field: 'options.db', code: 'VALIDATION_REQUIRED' }),
    );
    expect(() => new OutboxAdmin(undefined as never)).toThrow(
      expect.objectContaining({ field: 'options', code: 'VALIDATION_REQUIRED' }),
    );
    expect(() => new OutboxAdmin({ db: db.pool, shema: 'x' } as never)).toThrow(
      expect.objectContaining({
        field: 'options.shema',
        code: 'VALIDATION_UNKNOWN',
        message: expect.stringContaining("did you mean 'schema'?"),
      }),
    );
    expect(() => new OutboxAdmin({ db: db.pool, schema: 'bad name' })).toThrow(ValidationError);
    expect(() => new OutboxAdmin({ db: db.pool, schema: 'bad name' })).toThrow(
      expect.objectContaining({ field: 'options.schema' }),
    );
    expect(() => new OutboxAdmin(null as never)).toThrow(
      expect.objectContaining({ field: 'options' }),
    );
  });
});
