/**
 * Background faults of the publisher are never silent: a sink that rejects with a value nothing
 * can describe still has its rows retried and counted; a fault that escapes a publish cycle is an
 * `OutboxPublisherError` ('publish'), emitted and counted; with no `error` listener the first one
 * becomes a process warning.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type EventrailError, OutboxPublisherError, type Sink } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();

afterEach(async () => {
  await db.pool.query('TRUNCATE eventrail.event_outbox');
});

/** A value that throws on every look: `instanceof`, `String()`, property reads. */
function hostile(): object {
  const trap = () => {
    throw new Error('do not touch');
  };
  return new Proxy({}, { get: trap, getPrototypeOf: trap, has: trap, ownKeys: trap });
}

const rejecting = (reason: () => unknown): Sink => ({
  name: 'rejecting',
  write: () => Promise.reject(reason()),
});

describe('OutboxPublisher background faults', () => {
  it('a rejection with a null-prototype object is retried and counted like any failure', async () => {
    await commitToOutbox(db.pool, outboxEvents(10));
    const publisher = new OutboxPublisher({
      db: db.pool,
      sinks: [rejecting(() => Object.create(null))],
      listen: false,
    });
    const errors: EventrailError[] = [];
    publisher.on('error', (error) => errors.push(error));
    await publisher.start();
    await waitFor(() => publisher.metrics().retried === 10, 10_000, 'the retries');
    await publisher.close();
    const { rows } = await db.pool.query<{ retry_count: number; last_error: string }>(
      'SELECT retry_count, last_error FROM eventrail.event_outbox',
    );
    expect(rows).toHaveLength(10);
    for (const row of rows) {
      expect(row.retry_count).toBe(1);
      expect(row.last_error).toBe('rejecting: [object Object]');
    }
    expect(errors).toEqual([]);
    expect(publisher.metrics().errors).toBe(0);
  });

  it('a fault that escapes a publish cycle is emitted as OutboxPublisherError and counted', async () => {
    await commitToOutbox(db.pool, outboxEvents(5));
    const publisher = new OutboxPublisher({
      db: db.pool,
      sinks: [rejecting(hostile)],
      listen: false,
      leaseMs: 1000,
    });
    const errors: EventrailError[] = [];
    publisher.on('error', (error) => errors.push(error));
    await publisher.start();
    await waitFor(() => errors.length > 0, 10_000, 'the fault');
    await publisher.close();
    expect(errors[0]).toBeInstanceOf(OutboxPublisherError);
    expect(errors[0]).toMatchObject({ code: 'OUTBOX_PUBLISHER', operation: 'publish' });
    expect(publisher.metrics().errors).toBe(errors.length);
  });

  it("with no 'error' listener, the first fault becomes one process warning", async () => {
    await commitToOutbox(db.pool, outboxEvents(5));
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === 'EventrailUnhandledError') warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const publisher = new OutboxPublisher({
        db: db.pool,
        sinks: [rejecting(hostile)],
        listen: false,
        leaseMs: 200,
        pollIntervalMs: 50,
      });
      await publisher.start();
      await waitFor(() => publisher.metrics().errors >= 2, 10_000, 'two faults');
      await publisher.close();
      await new Promise((r) => setImmediate(r));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toContain("no 'error' listener on this OutboxPublisher");
    } finally {
      process.off('warning', onWarning);
    }
  });
});
