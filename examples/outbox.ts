/**
 * `npx tsx examples/outbox.ts`: the transactional outbox of seeds 002 and 003. An order and its
 * `order_placed` event are written in one transaction; a second transaction fails after writing
 * both and is rolled back. A publisher delivers what committed to RabbitMQ, where a consumer
 * prints it: the rolled-back event never appears.
 *
 * AMQP_URL (default amqp://guest:guest@127.0.0.1:5672) and AMQP_EXCHANGE (default shop.events)
 * select the broker; DATABASE_URL the database (embedded PGlite when unset).
 */
import amqplib from 'amqplib';
import { sql } from 'drizzle-orm';
import { migrate, OutboxPublisher, OutboxWriter } from 'eventrail/postgres';
import { RabbitMQSink } from 'eventrail/rabbitmq';
import { openExampleDatabase } from './lib/database.js';

const brokerUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const exchange = process.env.AMQP_EXCHANGE ?? 'shop.events';
const queue = `${exchange}.orders`;
const { db, label, transaction, close } = await openExampleDatabase();
const consumer = await amqplib.connect(brokerUrl);

try {
  await migrate({ db });
  await db.query('CREATE TABLE IF NOT EXISTS orders (id text PRIMARY KEY, total numeric NOT NULL)');
  const outbox = new OutboxWriter();
  const placeOrder = (id: string, total: number, fail: boolean) =>
    transaction(async (tx) => {
      await tx.execute(sql`INSERT INTO orders (id, total) VALUES (${id}, ${total})`);
      await outbox.write(tx, {
        type: 'order_placed',
        userId: 'user-42',
        aggregateType: 'order',
        aggregateId: id,
        payload: { total },
      });
      if (fail) throw new Error('payment declined'); // rolls back the order and its event
    });

  console.log(`outbox example on ${label}`);
  await placeOrder('order-1', 99.5, false);
  await placeOrder('order-2', 12, true).catch((error: Error) =>
    console.log(`order-2 rolled back: ${error.message}`),
  );

  const channel = await consumer.createChannel();
  await channel.assertQueue(queue, { durable: true });
  const delivered = new Promise<void>((resolve) => {
    void channel.consume(queue, (message) => {
      if (!message) return;
      const event = JSON.parse(String(message.content));
      console.log(
        `consumer <- ${message.fields.routingKey} ${event.aggregateId} ${JSON.stringify(event.payload)} (messageId ${message.properties.messageId === event.id ? '= event id' : '?'})`,
      );
      channel.ack(message);
      resolve();
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
  await delivered;
  await publisher.close();
  console.log('outbox rows:', JSON.stringify(await publisher.counts()));
  const orders = await db.query('SELECT id FROM orders ORDER BY id');
  console.log('orders:', JSON.stringify(orders.rows));
} finally {
  await consumer.close();
  await close();
}
