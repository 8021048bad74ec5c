/** The outbox on embedded PGlite: writes in PGlite and drizzle transactions, publishing woken by listen(). */
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySink } from '../../src/index.js';
import { migrate, OutboxPublisher, OutboxWriter } from '../../src/postgres/index.js';
import { waitFor } from '../helpers/outbox.js';

const event = (text: string) => ({ type: 'message_created', userId: 'u', payload: { text } });

describe('the outbox on PGlite', () => {
  const pglite = new PGlite();
  afterAll(async () => {
    await pglite.close();
  });

  it('commits with the transaction and vanishes with its rollback (PGlite and drizzle transactions)', async () => {
    await migrate({ db: pglite });
    const writer = new OutboxWriter();
    const kept = await pglite.transaction((tx) => writer.write(tx, event('pglite commit')));
    await expect(
      pglite.transaction(async (tx) => {
        await writer.write(tx, event('pglite rollback'));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const orm = drizzle(pglite);
    const keptByDrizzle = await orm.transaction((tx) => writer.write(tx, event('drizzle commit')));
    await expect(
      orm.transaction(async (tx) => {
        await writer.write(tx, event('drizzle rollback'));
        tx.rollback();
      }),
    ).rejects.toThrow();
    const { rows } = await pglite.query<{ id: string; text: string }>(
      `SELECT id, payload->>'text' AS text FROM eventrail.event_outbox ORDER BY text`,
    );
    expect(rows).toEqual([
      { id: keptByDrizzle, text: 'drizzle commit' },
      { id: kept, text: 'pglite commit' },
    ]);
    await expect(writer.write(pglite, event('no transaction'))).rejects.toMatchObject({
      field: 'tx',
    });
  });

  it('publishes, woken by listen() on commit rather than by the (one minute) poll', async () => {
    const sink = new MemorySink();
    const publisher = new OutboxPublisher({
      db: drizzle(pglite),
      sinks: [sink],
      pollIntervalMs: 60_000,
    });
    await publisher.start();
    expect(publisher.metrics().listening).toBe(true);
    await waitFor(() => sink.events.length === 2, 10_000, 'the rows written before start');
    const writer = new OutboxWriter();
    const id = await pglite.transaction((tx) => writer.write(tx, event('after start')));
    await waitFor(() => sink.events.length === 3, 10_000, 'the notified row');
    expect(sink.events[2]?.id).toBe(id);
    await publisher.close();
    const { rows } = await pglite.query<{ status: string }>(
      'SELECT DISTINCT status FROM eventrail.event_outbox',
    );
    expect(rows).toEqual([{ status: 'published' }]);
  });
});
