// examples/outbox-basic.ts
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type { Sink } from 'eventrail';
import { migrate, OutboxPublisher, OutboxWriter, PostgresSink } from 'eventrail/postgres';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
pool.on('error', (error) => console.error('idle Postgres client failed:', error.message));
await migrate({ db: pool });
const db = drizzle(pool);
await db.execute(sql`CREATE TABLE IF NOT EXISTS messages (chat_id text, text text)`);

// Write path: the event exists if and only if the message does.
const outbox = new OutboxWriter();
await db.transaction(async (tx) => {
  await tx.execute(sql`INSERT INTO messages (chat_id, text) VALUES ('chat-7', 'hello')`);
  await outbox.write(tx, {
    type: 'message_created',
    userId: 'user-42',
    aggregateType: 'chat',
    aggregateId: 'chat-7',
    payload: { text: 'hello' },
  });
});

// Publish path (usually a worker process): delivers committed events at least once.
const seen = new Set<string>();
const broker: Sink = {
  name: 'broker',
  async write(batch) {
    for (const event of batch) {
      if (seen.has(event.id)) continue; // consumers deduplicate by event id
      seen.add(event.id);
      console.log('delivered', event.type, event.aggregateId, event.payload);
    }
  },
};
const publisher = new OutboxPublisher({
  db: pool,
  // Also project every published event into eventrail.event_logs, for history and analytics.
  sinks: [broker, new PostgresSink({ db: pool })],
});
publisher.on('error', (error) => console.error('outbox:', error.message));
await publisher.start();
await new Promise((resolve) => publisher.once('batch', resolve));

const { published } = publisher.metrics(); // this publisher's counters, at once
const { pending } = await publisher.stats(); // the table's backlog: one query
console.log({ published, pending }); // { published: 1, pending: 0 }
await publisher.close(); // finishes the batch in flight, then closes the sinks
await pool.end();
