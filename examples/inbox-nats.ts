/**
 * `npx tsx examples/inbox-nats.ts`: events published to NATS JetStream by `NatsSink`, read by a
 * durable JetStream consumer that counts the orders of each user in `order_counts` through an
 * `Inbox`. Every message arrives twice (the first delivery is handled, then "lost" before its
 * ack: `nak`), yet each order is counted once. The example creates its stream and deletes it.
 *
 * NATS_URL (default nats://127.0.0.1:4222) selects the server, NATS_STREAM (default
 * eventrail_example_shop) the stream; DATABASE_URL the database (embedded PGlite when unset).
 */
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import { EventLogger } from 'eventrail';
import { NatsSink } from 'eventrail/nats';
import { Inbox, migrate } from 'eventrail/postgres';
import { openExampleDatabase } from './lib/database.js';

const servers = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const stream = process.env.NATS_STREAM ?? 'eventrail_example_shop';
const ORDERS = 3;
const { db, label, transaction, close } = await openExampleDatabase();
const connection = await connect({ servers });
const manager = await jetstreamManager(connection);

try {
  await migrate({ db });
  await db.query(
    'CREATE TABLE IF NOT EXISTS order_counts (user_id text PRIMARY KEY, n int NOT NULL)',
  );
  console.log(`inbox example (NATS JetStream) on ${label}`);

  // The producer: the sink creates the stream, subjects from the events' routing keys.
  const logger = new EventLogger({
    sinks: [new NatsSink({ servers, stream: { name: stream, subjects: ['shop.>'] } })],
  });
  for (let i = 1; i <= ORDERS; i++) {
    await logger.logEvent({
      type: 'order_placed',
      userId: 'user-42',
      aggregateId: `order-${i}`,
      routingKey: 'shop.order.placed',
      payload: { total: 10 * i },
    });
  }
  console.log('published:', JSON.stringify((await logger.close()).sinks.nats));

  // The consumer: a durable pull consumer; the effect and the inbox record in one transaction.
  await manager.consumers.add(stream, {
    durable_name: 'order-counter',
    ack_policy: AckPolicy.Explicit,
  });
  const consumer = await jetstream(connection).consumers.get(stream, 'order-counter');
  const messages = await consumer.consume();
  const inbox = new Inbox({ consumer: 'order-counter' });
  const deadline = setTimeout(() => void messages.stop(new Error('timed out')), 20_000);
  let acked = 0;
  for await (const message of messages) {
    const event = message.json<{ id: string; userId: string; aggregateId: string }>();
    const ran = await transaction((tx) =>
      inbox.handle(tx, event, () =>
        tx.execute(sql`INSERT INTO order_counts VALUES (${event.userId}, 1)
          ON CONFLICT (user_id) DO UPDATE SET n = order_counts.n + 1`),
      ),
    );
    const first = message.info.deliveryCount === 1;
    console.log(
      `${event.aggregateId} ${first ? 'delivered' : 'redelivered'}: ${ran ? 'counted' : 'already counted, skipped'}`,
    );
    // The first delivery is "lost" before its ack: JetStream delivers it again.
    if (first) message.nak();
    else {
      message.ack();
      if (++acked === ORDERS) break;
    }
  }
  clearTimeout(deadline);
  const counts = await db.query('SELECT user_id, n FROM order_counts ORDER BY user_id');
  console.log('order_counts:', JSON.stringify(counts.rows));
} finally {
  await manager.streams.delete(stream).catch(() => false);
  await connection.close();
  await close();
}
