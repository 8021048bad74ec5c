/**
 * A settle that fails is retried while the lease lasts, so the batch is not published a second
 * time when the lease expires: whether the failed settle never reached the database, or was
 * applied and only its answer was lost. The database is the real one, behind a wrapper that
 * fails the first settle statement once.
 */
import { describe, expect, it } from 'vitest';
import type { EventRecord, OutboxPublisherError } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, statusCounts, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();

const LEASE_MS = 1000;

/** A `query`-only database over the test pool whose first settle fails, before or after it ran. */
function failingFirstSettle(when: 'before' | 'after') {
  let failed = 0;
  return {
    get failed() {
      return failed;
    },
    database: {
      async query(text: string, params?: unknown[]) {
        // The settle statements, and only they, are fenced by the lease token in $2.
        const settle = text.includes('o.locked_by = $2');
        if (settle && failed === 0 && when === 'before') {
          failed += 1;
          throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        }
        const result = await db.pool.query(text, params);
        if (settle && failed === 0 && when === 'after') {
          failed += 1;
          throw Object.assign(new Error('connection lost after the statement ran'), {
            code: 'ECONNRESET',
          });
        }
        return result;
      },
    },
  };
}

describe('a settle that fails', () => {
  it.each(['before', 'after'] as const)(
    'is retried within the lease (failing %s the statement ran): each event reaches the sink once',
    async (when) => {
      await db.pool.query('TRUNCATE eventrail.event_outbox');
      const ids = await commitToOutbox(db.pool, outboxEvents(250), 250);
      const seen = new Map<string, number>();
      const sink = {
        name: 'counting',
        async write(batch: readonly EventRecord[]) {
          for (const e of batch) seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
        },
      };
      const wrapper = failingFirstSettle(when);
      const publisher = new OutboxPublisher({
        db: wrapper.database,
        sinks: [sink],
        listen: false,
        pollIntervalMs: 50,
        leaseMs: LEASE_MS,
      });
      const errors: OutboxPublisherError[] = [];
      const lost: string[] = [];
      let published = 0;
      publisher.on('error', (e) => errors.push(e as OutboxPublisherError));
      publisher.on('leaseLost', ({ ids: taken }) => lost.push(...taken));
      publisher.on('batch', (b) => {
        published += b.published;
      });
      await publisher.start();
      try {
        await waitFor(async () => (await statusCounts(db.pool)).published === 250, 10_000);
        // Past the lease: a batch whose settle was given up would be claimed and published again.
        await new Promise((r) => setTimeout(r, LEASE_MS * 2));
      } finally {
        await publisher.close();
      }
      expect(wrapper.failed).toBe(1);
      expect(errors.map((e) => e.operation)).toEqual(['settle']);
      expect(seen.size).toBe(250);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      expect([...seen.keys()].sort()).toEqual([...ids].sort());
      expect(await statusCounts(db.pool)).toEqual({ published: 250 });
      expect(published).toBe(250);
      expect(lost).toEqual([]);
    },
  );
});
