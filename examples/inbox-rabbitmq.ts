/**
 * `npx tsx examples/inbox-rabbitmq.ts`: the consumer side of examples/outbox.ts. Orders are placed
 * through the outbox and published to the same exchange and queue (`<exchange>.orders`); a
 * consumer counts the orders of each user in `order_counts` through an `Inbox`. Every message
 * arrives twice (the first delivery is handled, then "lost" before its ack and requeued), yet
 * each order is counted once.
 *
 * AMQP_URL (default amqp://guest:guest@127.0.0.1:5672) and AMQP_EXCHANGE (default shop.events)
 * select the broker; DATABASE_URL the database (embedded PGlite when unset).
 */
import amqplib from 'amqplib';
import { sql } from 'drizzle-orm';
import { Inbox, migrate, OutboxPublisher, OutboxWriter } from 'eventrail/postgres';
import { RabbitMQSink } from 'eventrail/rabbitmq';
import { openExampleDatabase } from './lib/database.js';

const brokerUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const exchange = process.env.AMQP_EXCHANGE ?? 'shop.events';
const queue = `${exchange}.orders`;
const ORDERS = 3;
const { db, label, transaction, close } = await openExampleDatabase();
const connection = await amqplib.connect(brokerUrl);

try {
  await migrate({ db });
  await db.query(
    'CREATE TABLE IF NOT EXISTS order_counts (user_id text PRIMARY KEY, n int NOT NULL)',
  );
  const outbox = new OutboxWriter();
  for (let i = 1; i <= ORDERS; i++) {
    await transaction((tx) =>
      outbox.write(tx, {
        type: 'order_placed',
        userId: 'user-42',
        aggregateType: 'order',
        aggregateId: `order-${i}`,
        payload: { total: 10 * i },
      }),
    );
  }
  console.log(`inbox example (RabbitMQ) on ${label}`);

  // The consumer: one message at a time; the effect and the inbox record in one transaction.
  const inbox = new Inbox({ consumer: 'order-counter' });
  const channel = await connection.createChannel();
  await channel.assertQueue(queue, { durable: true });
  await channel.prefetch(1);
  let acked = 0;
  const done = new Promise<void>((resolve, reject) => {
    void channel.consume(queue, (message) => {
      if (!message) return;
      const event = JSON.parse(String(message.content));
      transaction((tx) =>
        inbox.handle(tx, event, () =>
          tx.execute(sql`INSERT INTO order_counts VALUES (${event.userId}, 1)
            ON CONFLICT (user_id) DO UPDATE SET n = order_counts.n + 1`),
        ),
      ).then((ran) => {
        console.log(
          `${event.aggregateId} ${message.fields.redelivered ? 'redelivered' : 'delivered'}: ${ran ? 'counted' : 'already counted, skipped'}`,
        );
        // The first delivery is "lost" before its ack: the broker delivers it again.
        if (!message.fields.redelivered) return channel.nack(message, false, true);
        channel.ack(message);
        if (++acked === ORDERS) resolve();
      }, reject);
    });
  });

  const publisher = new OutboxPublisher({
    db,
    sinks: [
      new RabbitMQSink({
        url: brokerUrl,
        exchange,
        queues: [{ queue, bindingKeys: ['eventrail.order_placed'] }],
      }),
    ],
  });
  await publisher.start();
  await done;
  await publisher.close();
  const counts = await db.query('SELECT user_id, n FROM order_counts ORDER BY user_id');
  console.log('order_counts:', JSON.stringify(counts.rows));
} finally {
  await connection.close();
  await close();
}
