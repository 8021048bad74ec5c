/**
 * Claims grow with the backlog: a full claim makes the next one ask for twice as many, up to
 * `maxClaimSize`; a short one brings the size back to `claimSize`, so a trickle still goes out in
 * small batches.
 */
import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, statusCounts, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();

describe('outbox claim size', () => {
  it('doubles after each full claim up to maxClaimSize, and falls back to claimSize', async () => {
    await commitToOutbox(db.pool, outboxEvents(2500), 500);
    const sizes: number[] = [];
    const seen = new Set<string>();
    const publisher = new OutboxPublisher({
      db: db.pool,
      sinks: [
        {
          name: 'counting',
          async write(batch: readonly EventRecord[]) {
            sizes.push(batch.length);
            for (const e of batch) seen.add(e.id);
          },
        },
      ],
      claimSize: 100,
      maxClaimSize: 800,
      claimsInFlight: 1,
      pollIntervalMs: 60_000,
    });
    await publisher.start();
    try {
      await waitFor(() => seen.size === 2500, 20_000, 'the backlog');
      expect(sizes).toEqual([100, 200, 400, 800, 800, 200]);
      // The backlog is gone: the next claims are small again.
      sizes.length = 0;
      await commitToOutbox(db.pool, outboxEvents(3), 3);
      await waitFor(() => seen.size === 2503, 20_000, 'the trickle');
      expect(sizes).toEqual([3]);
    } finally {
      await publisher.close();
    }
    expect(await statusCounts(db.pool)).toEqual({ published: 2503 });
  });
});
