/**
 * The outbox end to end with a real broker: committed rows reach RabbitMQ with the event id as
 * `messageId`, rolled-back ones never do, and when the broker drops the publisher's connection
 * mid-stream the rows are published again; a consumer deduplicating by `messageId` sees each
 * event exactly once.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { OutboxPublisher, OutboxWriter } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, statusCounts, waitFor } from '../helpers/outbox.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const db = useTestDatabase();
const mq = useRabbitMQ();

describe('outbox → RabbitMQ', () => {
  it('publishes committed events once per messageId across a dropped connection, and no rolled-back one', async () => {
    const committed = await commitToOutbox(db.pool, outboxEvents(3000), 100);
    const rolledBack: string[] = [];
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      rolledBack.push(
        ...(await new OutboxWriter().write(client, outboxEvents(50, { type: 'never_sent' }))),
      );
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }

    const { sink, queue } = mq.sink();
    const pool = new pg.Pool({ connectionString: db.url, max: 3 });
    pool.on('error', () => {});
    const publisher = new OutboxPublisher({
      db: pool,
      sinks: [sink],
      claimSize: 100,
      pollIntervalMs: 100,
    });
    let published = 0;
    publisher.on('batch', (batch) => {
      published += batch.published;
    });
    await publisher.start();
    await waitFor(() => published >= 500, 30_000, 'a first part to be published');
    const closed = await mq.closeConnections(`eventrail/${sink.name}`);
    await waitFor(
      async () => (await statusCounts(db.pool)).published === committed.length,
      60_000,
      'every row published',
    );
    await publisher.close();
    await pool.end();

    const messages = await mq.collect(
      queue,
      (all) => new Set(all.map((m) => m.properties.messageId)).size >= committed.length,
      30_000,
    );
    const ids = messages.map((m) => m.properties.messageId as string);
    const unique = new Set(ids);
    expect(closed).toBe(1);
    expect(unique.size).toBe(committed.length);
    expect([...unique].sort()).toEqual([...committed].sort());
    expect(rolledBack).toHaveLength(50);
    expect(rolledBack.filter((id) => unique.has(id))).toEqual([]);
    for (const m of messages) {
      expect(JSON.parse(String(m.content)).id).toBe(m.properties.messageId);
    }
    expect(await statusCounts(db.pool)).toEqual({ published: committed.length });
  });
});
