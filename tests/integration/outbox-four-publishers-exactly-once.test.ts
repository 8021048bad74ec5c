/** Four publishers on one table: every row is delivered exactly once, with no failure injected. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRecord, Sink } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, statusCounts, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
const ROWS = 10_000;

/** Counts deliveries per event id, whichever publisher made them. */
class RecordingSink implements Sink {
  readonly name = 'recording';
  readonly deliveries = new Map<string, number>();
  total = 0;

  async write(batch: readonly EventRecord[]): Promise<void> {
    // A little latency, so that claims of different publishers overlap.
    await new Promise((r) => setTimeout(r, Math.random() * 5));
    for (const event of batch)
      this.deliveries.set(event.id, (this.deliveries.get(event.id) ?? 0) + 1);
    this.total += batch.length;
  }
}

describe('four publishers on 10,000 rows', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: db.url, max: 10 });
  });
  afterAll(() => pool.end());

  it('deliver each row exactly once and mark them all published', async () => {
    const ids = await commitToOutbox(db.pool, outboxEvents(ROWS));
    const sink = new RecordingSink();
    const publishers = Array.from(
      { length: 4 },
      (_, i) =>
        new OutboxPublisher({
          db: pool,
          sinks: [sink],
          id: `publisher-${i}`,
          claimSize: 50,
          claimsInFlight: 2,
          pollIntervalMs: 50,
        }),
    );
    const perPublisher = publishers.map(() => 0);
    publishers.forEach((p, i) => {
      p.on('batch', (b) => {
        perPublisher[i]! += b.published;
      });
    });
    await Promise.all(publishers.map((p) => p.start()));
    await waitFor(() => sink.total >= ROWS, 60_000, 'all rows delivered');
    await Promise.all(publishers.map((p) => p.close()));

    expect(sink.total).toBe(ROWS);
    expect(sink.deliveries.size).toBe(ROWS);
    expect([...sink.deliveries.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(sink.deliveries.keys())).toEqual(new Set(ids));
    expect(await statusCounts(db.pool)).toEqual({ published: ROWS });
    // Every publisher took part, and together they published each row once.
    expect(perPublisher.every((n) => n > 0)).toBe(true);
    expect(perPublisher.reduce((a, b) => a + b)).toBe(ROWS);
    const { rows } = await db.pool.query(
      'SELECT count(*)::int AS n FROM eventrail.event_outbox WHERE published_at IS NULL OR locked_by IS NOT NULL',
    );
    expect(rows[0].n).toBe(0);
  });
});
