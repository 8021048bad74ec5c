/**
 * At-least-once, and what consumers do about it: a publish slower than its lease is delivered
 * again by the next claim (of either publisher); a consumer that deduplicates by event id
 * handles each event once.
 */
import { describe, expect, it } from 'vitest';
import type { EventRecord, Sink } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, statusCounts, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();

/** The consumer side of a broker: every message arrives here; it keeps the first per id. */
class DedupingConsumer {
  readonly arrivals: string[] = [];
  readonly handled = new Map<string, EventRecord>();

  receive(event: EventRecord): void {
    this.arrivals.push(event.id);
    if (!this.handled.has(event.id)) this.handled.set(event.id, event);
  }
}

/** A sink that hands events to the consumer after `delayMs`, whatever its abort signal says. */
function brokerSink(name: string, consumer: DedupingConsumer, delayMs: () => number): Sink {
  return {
    name,
    async write(batch) {
      await new Promise((r) => setTimeout(r, delayMs()));
      for (const event of batch) consumer.receive(event);
    },
  };
}

describe('a publish that outlives its lease', () => {
  it('is delivered again by the next claim, and the deduplicating consumer handles each event once', async () => {
    const ids = await commitToOutbox(db.pool, outboxEvents(20));
    const consumer = new DedupingConsumer();
    let slowCalls = 0;
    const slow = new OutboxPublisher({
      db: db.pool,
      id: 'slow',
      sinks: [brokerSink('slow-broker', consumer, () => (++slowCalls === 1 ? 1500 : 0))],
      leaseMs: 400,
      retry: { minDelayMs: 10 },
      pollIntervalMs: 50,
    });
    const timedOut: string[] = [];
    slow.on('retry', (r) => timedOut.push(r.event.id));
    slow.on('leaseLost', (l) => timedOut.push(...l.ids));
    await slow.start();
    await waitFor(() => slowCalls === 1, 10_000, 'the slow publish to begin');

    const healthy = new OutboxPublisher({
      db: db.pool,
      id: 'healthy',
      sinks: [brokerSink('healthy-broker', consumer, () => 0)],
      pollIntervalMs: 50,
    });
    await healthy.start();
    // The slow write finishes (its broker took the messages) long after its lease ended.
    await waitFor(() => consumer.arrivals.length >= 2 * ids.length, 20_000, 'both deliveries');
    await Promise.all([slow.close(), healthy.close()]);

    // The lease ran out in the middle of the slow publish: every row was delivered again...
    expect(new Set(timedOut)).toEqual(new Set(ids));
    const arrivals = new Map<string, number>();
    for (const id of consumer.arrivals) arrivals.set(id, (arrivals.get(id) ?? 0) + 1);
    expect([...arrivals.values()].every((n) => n >= 2)).toBe(true);
    // ...and the consumer handled each event once.
    expect(consumer.handled.size).toBe(ids.length);
    expect(new Set(consumer.handled.keys())).toEqual(new Set(ids));
    expect(await statusCounts(db.pool)).toEqual({ published: ids.length });
  });
});
