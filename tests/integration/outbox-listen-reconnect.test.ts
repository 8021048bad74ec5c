/**
 * The publisher wakes on NOTIFY over a connection of its own; when that connection is
 * terminated it reconnects and keeps delivering at NOTIFY speed (the poll interval here is a
 * minute, so only a notification can explain a delivery within seconds).
 */
import { describe, expect, it } from 'vitest';
import { MemorySink } from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';
import { listeningBackends } from '../helpers/stream.js';

const db = useTestDatabase();

/** Commits one row and resolves with the milliseconds until the sink has it. */
async function commitToDelivery(sink: MemorySink): Promise<number> {
  const before = sink.events.length;
  const started = performance.now();
  await commitToOutbox(db.pool, outboxEvents(1));
  await waitFor(() => sink.events.length > before, 10_000, 'the delivery');
  return performance.now() - started;
}

describe('the LISTEN connection', () => {
  it('wakes the publisher on commit, and after pg_terminate_backend reconnects and keeps doing so', async () => {
    const sink = new MemorySink();
    const publisher = new OutboxPublisher({ db: db.pool, sinks: [sink], pollIntervalMs: 60_000 });
    const states: boolean[] = [];
    publisher.on('listen', ({ connected }) => states.push(connected));
    await publisher.start();
    expect(states).toEqual([true]);
    expect(publisher.metrics().listening).toBe(true);
    expect(await commitToDelivery(sink)).toBeLessThan(5000);

    // Exactly one LISTEN connection, the publisher's: the one terminated below.
    const before = await listeningBackends(db.pool, db.name);
    expect(before).toHaveLength(1);
    const [pid] = before;
    await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await waitFor(() => states.length >= 3, 10_000, 'the reconnection');
    expect(states).toEqual([true, false, true]);
    const after = await listeningBackends(db.pool, db.name);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(pid);

    for (let i = 0; i < 3; i++) expect(await commitToDelivery(sink)).toBeLessThan(5000);
    await publisher.close();
    expect(await listeningBackends(db.pool, db.name)).toEqual([]);
    expect(sink.events).toHaveLength(4);
  });

  it('with listen: false, only polling finds new rows', async () => {
    const sink = new MemorySink();
    const publisher = new OutboxPublisher({
      db: db.pool,
      sinks: [sink],
      listen: false,
      pollIntervalMs: 100,
    });
    await publisher.start();
    expect(await listeningBackends(db.pool, db.name)).toEqual([]);
    await commitToDelivery(sink);
    expect(publisher.metrics().listening).toBe(false);
    await publisher.close();
  });
});
