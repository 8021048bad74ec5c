/** close(): finishes in-flight batches, or at its deadline releases them to other publishers at once. */
import { describe, expect, it } from 'vitest';
import { ClosedError, CloseTimeoutError, MemorySink } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { deferred, FakeSink } from '../helpers/fake-sink.js';
import { commitToOutbox, outboxEvents, statusCounts, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();

describe('OutboxPublisher.close()', () => {
  it('waits for the batch in flight to be published and settled, then closes the sinks', async () => {
    await commitToOutbox(db.pool, outboxEvents(30));
    const sink = new FakeSink();
    const gate = deferred();
    sink.gate = gate.promise;
    const publisher = new OutboxPublisher({ db: db.pool, sinks: [sink], claimSize: 30 });
    await publisher.start();
    await waitFor(() => sink.calls.length === 1, 10_000, 'the publish to begin');
    const closing = publisher.close();
    // The same promise on every call, whatever options come later.
    expect(publisher.close()).toBe(closing);
    expect(publisher.close({ timeoutMs: 1 })).toBe(closing);
    expect(publisher.running).toBe(false);
    setTimeout(gate.resolve, 100);
    expect(await closing).toEqual({ timedOut: false, released: 0, unsettled: 0 });
    expect(sink.written).toHaveLength(30);
    expect(sink.closed).toBe(1);
    expect(await statusCounts(db.pool)).toEqual({ published: 30 });
    await expect(publisher.start()).rejects.toBeInstanceOf(ClosedError);
    await expect(publisher.start()).rejects.toMatchObject({
      code: 'CLOSED',
      part: 'OutboxPublisher',
    });
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
    expect(await first.close({ timeoutMs: 400 })).toEqual({
      timedOut: true,
      released: 25,
      unsettled: 0,
    });
    expect(stuck.lastSignal?.aborted).toBe(true);
    expect(stuck.lastSignal?.reason).toBeInstanceOf(CloseTimeoutError);
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

  it('start() is idempotent; `await using` closes the publisher and its sinks', async () => {
    await db.pool.query('TRUNCATE eventrail.event_outbox');
    const sink = new FakeSink('disposed');
    let seen: OutboxPublisher | undefined;
    {
      await using publisher = new OutboxPublisher({ db: db.pool, sinks: [sink], listen: false });
      seen = publisher;
      const starting = publisher.start();
      expect(publisher.start()).toBe(starting);
      await starting;
      expect(publisher.running).toBe(true);
      expect(sink.closed).toBe(0);
    }
    expect(sink.closed).toBe(1);
    expect(seen.running).toBe(false);
    await expect(seen.start()).rejects.toBeInstanceOf(ClosedError);
    expect(await seen.close()).toEqual({ timedOut: false, released: 0, unsettled: 0 });
  });

  it('a caller signal cuts close() short at once: the write is aborted and the rows released', async () => {
    await db.pool.query('TRUNCATE eventrail.event_outbox');
    await commitToOutbox(db.pool, outboxEvents(5));
    const stuck = new FakeSink('stuck');
    stuck.stuck = true;
    const publisher = new OutboxPublisher({ db: db.pool, sinks: [stuck], leaseMs: 60_000 });
    await publisher.start();
    await waitFor(() => stuck.calls.length === 1, 10_000, 'the publish to begin');
    const controller = new AbortController();
    const started = performance.now();
    const closing = publisher.close({ timeoutMs: 60_000, signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const summary = await closing;
    expect(performance.now() - started).toBeLessThan(5000);
    expect(summary.timedOut).toBe(true);
    expect(summary.released + summary.unsettled).toBe(5);
    expect(stuck.lastSignal?.reason).toBeInstanceOf(CloseTimeoutError);
  });

  it('never rejects, even when a sink throws from close() without a promise', async () => {
    const sink = Object.assign(new MemorySink({ name: 'throwing' }), {
      close(): Promise<void> {
        throw new Error('cannot close');
      },
    });
    const publisher = new OutboxPublisher({ db: db.pool, sinks: [sink] });
    await publisher.start();
    expect(await publisher.close()).toEqual({ timedOut: false, released: 0, unsettled: 0 });
  });
});
