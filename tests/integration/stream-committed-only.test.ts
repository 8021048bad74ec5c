/**
 * Seed 003 §4: the stream shows committed events only. An event the OutboxWriter wrote in a
 * transaction that rolled back never appears; one that committed appears once the publisher's
 * projection into event_logs commits.
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  EventStream,
  OutboxPublisher,
  OutboxWriter,
  PostgresSink,
} from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { collect } from '../helpers/stream.js';

const db = useTestDatabase();
const streams: EventStream[] = [];
afterAll(async () => {
  await Promise.all(streams.map((s) => s.close()));
});

describe('EventStream shows committed events only', () => {
  it('never streams a rolled-back outbox event; streams a committed one after its projection', async () => {
    const stream = new EventStream({ db: db.pool, pollIntervalMs: 50 });
    streams.push(stream);
    const user = 'chat-user';
    const sub = collect(stream.subscribe({ userId: user }));
    while (sub.events.length === 0) {
      await db.pool.query(
        `INSERT INTO eventrail.event_logs (id, event_type, user_id) VALUES (gen_random_uuid(), 'PRIME', $1)`,
        [user],
      );
      await new Promise((r) => setTimeout(r, 50));
    }
    const primed = sub.events.length;
    const writer = new OutboxWriter();
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await writer.write(client, [{ type: 'MESSAGE_CREATED', userId: user, payload: { n: 1 } }]);
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      const [committed] = await writer.write(client, [
        { type: 'MESSAGE_CREATED', userId: user, payload: { n: 2 } },
      ]);
      // Written directly too, in a transaction that rolls back: never streamed either.
      await client.query(
        `INSERT INTO eventrail.event_logs (id, event_type, user_id) VALUES (gen_random_uuid(), 'DIRECT', $1)`,
        [user],
      );
      await client.query('COMMIT');
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO eventrail.event_logs (id, event_type, user_id) VALUES (gen_random_uuid(), 'ROLLED_BACK', $1)`,
        [user],
      );
      await client.query('ROLLBACK');

      // Committed to the outbox only: not in event_logs yet, so not on the stream.
      await sub.until(primed + 1);
      await new Promise((r) => setTimeout(r, 200));
      expect(sub.events.slice(primed).map((e) => e.event.type)).toEqual(['DIRECT']);

      const publisher = new OutboxPublisher({
        db: db.pool,
        sinks: [new PostgresSink({ db: db.pool })],
        pollIntervalMs: 20,
      });
      await publisher.start();
      await sub.until(primed + 2);
      await publisher.close();
      await new Promise((r) => setTimeout(r, 200));
      expect(sub.events.slice(primed).map((e) => [e.event.type, e.event.payload])).toEqual([
        ['DIRECT', {}],
        ['MESSAGE_CREATED', { n: 2 }],
      ]);
      expect(sub.events[primed + 1]?.event.id).toBe(committed);
      const { rows } = await db.pool.query(
        `SELECT count(*)::int AS n FROM eventrail.event_outbox WHERE status = 'published'`,
      );
      expect(rows[0].n).toBe(1);
    } finally {
      client.release();
    }
  });

  it('works on PGlite too (in-process notifications)', async () => {
    const { PGlite } = await import('@electric-sql/pglite');
    const { migrate } = await import('../../src/postgres/index.js');
    const pglite = new PGlite();
    try {
      await migrate({ db: pglite });
      const stream = new EventStream({ db: pglite, pollIntervalMs: 60_000 });
      const sub = collect(stream.subscribe({ userId: 'u' }));
      await waitFor(() => stream.metrics().subscribers === 1);
      const write = (type: string) =>
        pglite.query(
          `INSERT INTO eventrail.event_logs (id, event_type, user_id) VALUES (gen_random_uuid(), $1, 'u')`,
          [type],
        );
      while (sub.events.length === 0) {
        await write('PRIME');
        await new Promise((r) => setTimeout(r, 50));
      }
      const primed = sub.events.length;
      await write('ONE');
      await write('TWO');
      await sub.until(primed + 2);
      expect(sub.events.slice(primed).map((e) => e.event.type)).toEqual(['ONE', 'TWO']);
      await stream.close();
      expect(await sub.finished).toBeUndefined();
    } finally {
      await pglite.close();
    }
  }, 120_000);
});
