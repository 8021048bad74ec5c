/**
 * A failing sink: retries with growing delays, then success; retries exhausted → `failed` with
 * last_error; reprocessFailed() → delivered.
 */
import { describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
const retry = { minDelayMs: 100, factor: 2, maxDelayMs: 10_000, jitter: 'none' } as const;

async function row(id: string) {
  const { rows } = await db.pool.query(
    `SELECT status, retry_count, last_error, published_at, locked_by FROM eventrail.event_outbox WHERE id = $1`,
    [id],
  );
  return rows[0];
}

/** A publish function that fails while `failing()` says so, and records when it was called. */
function flakyPublish(failing: (call: number) => boolean) {
  const calls: number[] = [];
  const delivered: EventRecord[] = [];
  const publish = async (batch: readonly EventRecord[]) => {
    calls.push(performance.now());
    if (failing(calls.length)) throw new Error(`broker said no (call ${calls.length})`);
    delivered.push(...batch);
  };
  return { calls, delivered, publish };
}

describe('a sink that fails', () => {
  it('N times: the row is retried after growing delays, then published', async () => {
    const [id] = await commitToOutbox(db.pool, outboxEvents(1));
    const sink = flakyPublish((call) => call <= 3);
    const publisher = new OutboxPublisher({
      db: db.pool,
      publish: sink.publish,
      retry: { ...retry, retries: 5 },
      pollIntervalMs: 10,
    });
    const delays: number[] = [];
    publisher.on('retry', (r) => delays.push(r.delayMs));
    await publisher.start();
    await waitFor(() => sink.delivered.length === 1, 20_000, 'the delivery');
    await publisher.close();

    expect(delays).toEqual([100, 200, 400]);
    const gaps = sink.calls.slice(1).map((t, i) => t - (sink.calls[i] as number));
    expect(gaps).toHaveLength(3);
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual((delays[i] as number) - 5);
    });
    expect(await row(id!)).toMatchObject({
      status: 'published',
      retry_count: 3,
      last_error: 'publish: broker said no (call 3)',
      locked_by: null,
    });
    expect(publisher.metrics().retried).toBe(3);
  });

  it('always: failed after retry.retries with last_error; reprocessFailed() brings it back to be delivered', async () => {
    const [id, other] = await commitToOutbox(db.pool, outboxEvents(2, { type: 'doomed' }));
    let broken = true;
    const sink = flakyPublish(() => broken);
    const publisher = new OutboxPublisher({
      db: db.pool,
      publish: sink.publish,
      retry: { ...retry, minDelayMs: 20, retries: 3 },
      pollIntervalMs: 10,
    });
    const failed: { id: string; attempts: number }[] = [];
    publisher.on('failed', (f) => failed.push({ id: f.event.id, attempts: f.attempts }));
    await publisher.start();
    await waitFor(() => failed.length === 2, 20_000, 'both rows failed');

    expect(sink.calls).toHaveLength(4); // both rows travel in one batch: 1 attempt + 3 retries
    expect(failed).toEqual(
      expect.arrayContaining([
        { id, attempts: 4 },
        { id: other, attempts: 4 },
      ]),
    );
    expect(await row(id!)).toMatchObject({
      status: 'failed',
      retry_count: 4,
      last_error: 'publish: broker said no (call 4)',
      published_at: null,
      locked_by: null,
    });
    // Failed rows stay failed: nothing more is attempted.
    await new Promise((r) => setTimeout(r, 200));
    expect(sink.calls).toHaveLength(4);
    expect(publisher.metrics().failed).toBe(2);

    broken = false;
    expect(await publisher.reprocessFailed({ ids: [id!] })).toBe(1);
    await waitFor(() => sink.delivered.length === 1, 20_000, 'the reprocessed delivery');
    // The settlement follows the delivery: wait for it before reading the row.
    await waitFor(async () => (await row(id!)).status !== 'pending', 20_000, 'the settlement');
    expect(sink.delivered.map((e) => e.id)).toEqual([id]);
    expect(await row(id!)).toMatchObject({ status: 'published', retry_count: 0 });
    expect(await row(other!)).toMatchObject({ status: 'failed' });
    expect(await publisher.reprocessFailed({ types: ['other-type'] })).toBe(0);
    expect(await publisher.reprocessFailed()).toBe(1);
    await waitFor(() => sink.delivered.length === 2, 20_000, 'the second reprocessed delivery');
    await publisher.close();
  });
});
