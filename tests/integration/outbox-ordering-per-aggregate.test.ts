/**
 * ordering: 'aggregate' publishes the events of one aggregate in the order they were written,
 * across several publishers and retries, without a global lock. The same run without it shows
 * the disorder it prevents.
 */
import { describe, expect, it } from 'vitest';
import {
  type EventRecord,
  PartialWriteError,
  type Sink,
  type SinkErrorKind,
} from '../../src/index.js';
import { type OutboxOrdering, OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
const AGGREGATES = 20;
const PER_AGGREGATE = 15;

/**
 * Records successful deliveries per aggregate, in the order they completed. The first attempt
 * of each aggregate's first event fails (a partial write: the rest of the batch went through).
 */
class OrderCheckingSink implements Sink {
  readonly name = 'ordered';
  readonly sequences = new Map<string, number[]>();
  readonly #failedOnce = new Set<string>();
  delivered = 0;

  async write(batch: readonly EventRecord[]): Promise<void> {
    await new Promise((r) => setTimeout(r, Math.random() * 4));
    const failed = batch.filter((e) => e.payload.seq === 0 && !this.#failedOnce.has(e.id));
    for (const event of batch) {
      if (failed.includes(event)) this.#failedOnce.add(event.id);
      else {
        const key = event.aggregateId as string;
        this.sequences.set(key, [...(this.sequences.get(key) ?? []), event.payload.seq as number]);
        this.delivered += 1;
      }
    }
    if (failed.length > 0) throw new PartialWriteError(failed, new Error('try later'));
  }

  classifyError(): SinkErrorKind {
    return 'transient';
  }

  outOfOrder(): string[] {
    return [...this.sequences].filter(([, seqs]) => seqs.some((s, i) => s !== i)).map(([k]) => k);
  }
}

async function run(ordering: OutboxOrdering): Promise<OrderCheckingSink> {
  await db.pool.query('TRUNCATE eventrail.event_outbox');
  const events = Array.from({ length: AGGREGATES * PER_AGGREGATE }, (_, i) => ({
    type: 'message_created',
    userId: 'u',
    aggregateType: 'chat',
    aggregateId: `chat-${i % AGGREGATES}`,
    payload: { seq: Math.floor(i / AGGREGATES) },
  }));
  await commitToOutbox(db.pool, events, 50);
  const sink = new OrderCheckingSink();
  const publishers = [0, 1, 2].map(
    (i) =>
      new OutboxPublisher({
        db: db.pool,
        sinks: [sink],
        id: `p${i}`,
        ordering,
        claimSize: 8,
        claimsInFlight: 2,
        pollIntervalMs: 10,
        retry: { minDelayMs: 30, jitter: 'none' },
      }),
  );
  await Promise.all(publishers.map((p) => p.start()));
  await waitFor(() => sink.delivered >= events.length, 30_000, 'every event delivered');
  await Promise.all(publishers.map((p) => p.close()));
  return sink;
}

describe('ordering per aggregate', () => {
  it("'aggregate': each aggregate's events arrive in the order written, once each, despite retries", async () => {
    const sink = await run('aggregate');
    expect(sink.sequences.size).toBe(AGGREGATES);
    for (const seqs of sink.sequences.values()) {
      expect(seqs).toEqual(Array.from({ length: PER_AGGREGATE }, (_, i) => i));
    }
    expect(sink.outOfOrder()).toEqual([]);
  });

  it("'none' (the default) lets later events overtake a retried one", async () => {
    const sink = await run('none');
    expect(sink.delivered).toBe(AGGREGATES * PER_AGGREGATE);
    expect(sink.outOfOrder().length).toBeGreaterThan(0);
  });
});

describe('ordering per aggregate on a backlog of few aggregates', () => {
  // Nothing but the loop itself wakes the publisher after start: no LISTEN, no commits during
  // the run, a poll an hour away. A claim that left the loop idle would leave the rest of the
  // backlog pending until the test's timeout, whatever the machine's speed. Claims of 2 against
  // 3 aggregates come back full, so with claimsInFlight 2 a second claim runs beside the first and
  // often finds nothing; with 1, one claim after the other.
  it.each([1, 2])(
    'moves each aggregate along claim after claim, without a poll (claimsInFlight %i)',
    async (claimsInFlight) => {
      await db.pool.query('TRUNCATE eventrail.event_outbox');
      const events = Array.from({ length: 3 * 40 }, (_, i) => ({
        type: 'message_created',
        userId: 'u',
        aggregateId: `chat-${i % 3}`,
        payload: { seq: Math.floor(i / 3) },
      }));
      await commitToOutbox(db.pool, events);
      const seqs = new Map<string, number[]>();
      const batches: string[][] = [];
      let delivered = 0;
      const publisher = new OutboxPublisher({
        db: db.pool,
        ordering: 'aggregate',
        listen: false,
        pollIntervalMs: 3_600_000,
        claimSize: 2,
        claimsInFlight,
        publish: async (batch) => {
          batches.push(batch.map((e) => e.aggregateId as string));
          for (const e of batch) {
            const key = e.aggregateId as string;
            seqs.set(key, [...(seqs.get(key) ?? []), e.payload.seq as number]);
          }
          delivered += batch.length;
        },
      });
      await publisher.start();
      await waitFor(() => delivered >= events.length, 50_000, 'every event delivered');
      await publisher.close();
      expect([...seqs.values()]).toEqual(
        [0, 1, 2].map(() => Array.from({ length: 40 }, (_, i) => i)),
      );
      // One event per aggregate per claim: at least 40 claims.
      for (const batch of batches) expect(new Set(batch).size).toBe(batch.length);
      expect(batches.length).toBeGreaterThanOrEqual(40);
    },
  );
});
