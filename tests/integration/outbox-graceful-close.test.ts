/** stop(): finishes in-flight batches, or at its deadline releases them to other publishers at once. */
import { describe, expect, it } from 'vitest';
import { MemorySink, PublisherStoppedError } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { deferred, FakeSink } from '../helpers/fake-sink.js';
import { commitToOutbox, outboxEvents, statusCounts, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();

describe('OutboxPublisher.stop()', () => {
  it('waits for the batch in flight to be published and settled, then closes the sinks', async () => {
    await commitToOutbox(db.pool, outboxEvents(30));
    const sink = new FakeSink();
    const gate = deferred();
    sink.gate = gate.promise;
    const publisher = new OutboxPublisher({ db: db.pool, sinks: [sink], batchSize: 30 });
    await publisher.start();
    await waitFor(() => sink.calls.length === 1, 10_000, 'the publish to begin');
    const stopping = publisher.stop();
    expect(publisher.stop()).toBe(stopping);
    expect(publisher.running).toBe(false);
    setTimeout(gate.resolve, 100);
    expect(await stopping).toEqual({ timedOut: false, released: 0, unsettled: 0 });
    expect(sink.written).toHaveLength(30);
    expect(sink.closed).toBe(1);
    expect(await statusCounts(db.pool)).toEqual({ published: 30 });
    await expect(publisher.start()).rejects.toBeInstanceOf(PublisherStoppedError);
  });

  it('at its deadline releases the rows in flight, and another publisher takes them at once', async () => {
    await db.pool.query('TRUNCATE eventrail.event_outbox');
    const ids = await commitToOutbox(db.pool, outboxEvents(25));
    const stuck = new FakeSink('stuck');
    stuck.stuck = true;
    const leaseMs = 60_000;
    const first = new OutboxPublisher({ db: db.pool, sinks: [stuck], leaseMs });
    await first.start();
    await waitFor(() => stuck.calls.length === 1, 10_000, 'the publish to begin');
    expect(await first.stop({ timeoutMs: 400 })).toEqual({
      timedOut: true,
      released: 25,
      unsettled: 0,
    });
    expect(stuck.lastSignal?.aborted).toBe(true);
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM eventrail.event_outbox
        WHERE status = 'pending' AND locked_by IS NULL AND locked_until IS NULL AND retry_count = 0`,
    );
    expect(rows[0].n).toBe(25);

    const sink = new MemorySink();
    const released = performance.now();
    await using second = new OutboxPublisher({ db: db.pool, sinks: [sink], leaseMs });
    await second.start();
    await waitFor(() => sink.events.length === 25, 10_000, 'the released rows');
    expect(performance.now() - released).toBeLessThan(leaseMs / 2);
    expect(new Set(sink.events.map((e) => e.id))).toEqual(new Set(ids));
  });

  it('never rejects, even when a sink throws from close() without a promise', async () => {
    const sink = Object.assign(new MemorySink('throwing'), {
      close(): Promise<void> {
        throw new Error('cannot close');
      },
    });
    const publisher = new OutboxPublisher({ db: db.pool, sinks: [sink] });
    await publisher.start();
    expect(await publisher.stop()).toEqual({ timedOut: false, released: 0, unsettled: 0 });
  });
});
