/**
 * `npx tsx examples/cns-enrichment.ts`: the BOM enrichment service of seed 004 with dual
 * persistence: every event goes to Postgres and to RabbitMQ, with the seed's cns.* routing keys and
 * priorities from its catalog. A consumer prints what arrives. Then the broker goes away for a
 * while: Postgres keeps being written at full speed, the RabbitMQ sink holds its events, and
 * delivers them when the broker is back.
 *
 * AMQP_URL (default amqp://guest:guest@127.0.0.1:5672) and AMQP_EXCHANGE (default cns.events)
 * select the broker; DATABASE_URL the database (embedded PGlite when unset).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import amqplib from 'amqplib';
import { EventLogger } from 'eventrail';
import { migrate, PostgresSink } from 'eventrail/postgres';
import { RabbitMQSink } from 'eventrail/rabbitmq';
import { cnsCatalog } from './catalogs/cns-enrichment.js';
import { openExampleDatabase } from './lib/database.js';
import { OutageProxy } from './lib/outage-proxy.js';

const brokerUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const exchange = process.env.AMQP_EXCHANGE ?? 'cns.events';
const queue = `${exchange}.monitor`;
const { db, label, close } = await openExampleDatabase();
const proxy = new OutageProxy(brokerUrl);
await proxy.start();
const consumer = await amqplib.connect(brokerUrl);

try {
  await migrate({ db });
  const rabbit = new RabbitMQSink({
    url: proxy.url(brokerUrl), // through the proxy, so that the example can take the broker away
    exchange,
    queues: [{ queue, bindingKeys: ['cns.#'], options: { maxPriority: 10 } }],
    reconnect: { minDelayMs: 100, maxDelayMs: 1000 }, // try again soon once the broker is back
  });
  // Faults in the background (the connection lost, each attempt that failed) are `error` events.
  let faults = 0;
  rabbit.on('error', () => {
    faults += 1;
  });
  const logger = new EventLogger({
    catalog: cnsCatalog, // routing keys and priorities come from the catalog
    sinks: [
      new PostgresSink({ db }),
      // While the broker is away this sink retries for up to ~a minute, holding up to 50k events;
      // its queue never blocks logEvent (drop-oldest), so the Postgres sink never waits for it.
      {
        sink: rabbit,
        overflow: 'drop-oldest',
        maxQueueSize: 50_000,
        retry: { retries: 60, minDelayMs: 100, maxDelayMs: 1000 },
      },
    ],
  });

  const received = new Set<string>();
  const channel = await consumer.createChannel();
  await channel.assertQueue(queue, { durable: true, maxPriority: 10 }); // as the sink declares it
  let verbose = true;
  await channel.consume(queue, (message) => {
    if (!message) return;
    received.add(String(message.properties.messageId));
    if (verbose)
      console.log(
        `  consumer <- ${message.fields.routingKey} (priority ${message.properties.priority})`,
      );
    channel.ack(message);
  });

  const bom = {
    userId: 'user-42',
    tenantId: 'org-1',
    projectId: 'project-1',
    aggregateType: 'bom',
    aggregateId: 'bom-7',
    workflowId: 'enrich-bom-7',
    source: 'customer',
  };
  console.log(`cns-enrichment example on ${label} and RabbitMQ exchange "${exchange}"`);
  await logger.logEvent({
    ...bom,
    type: 'processing_started',
    payload: { bom_id: 'bom-7', total_items: 200 },
  });
  await logger.logEvent({
    ...bom,
    type: 'stage_started',
    payload: { bom_id: 'bom-7', stage_name: 'enrichment' },
  });
  await logger.logEvent({
    ...bom,
    type: 'risk_alert',
    payload: {
      bom_id: 'bom-7',
      component_id: 'c-1',
      risk_score: 92,
      severity: 'critical',
      risk_factors: ['end_of_life'],
    },
  });
  await logger.flush();
  await sleep(200);

  console.log('broker goes away');
  verbose = false;
  await proxy.stop();
  for (let i = 0; i < 200; i++) {
    await logger.logEvent({
      ...bom,
      type: 'enrichment_progress',
      payload: {
        bom_id: 'bom-7',
        mpn: `MPN-${i}`,
        status: i % 7 === 0 ? 'no_match' : 'matched',
        confidence: 0.9,
      },
    });
  }
  await logger.logEvent({
    ...bom,
    type: 'workflow_paused',
    payload: { bom_id: 'bom-7', reason: 'supplier API quota' },
  });
  const written = () => logger.metrics().sinks.postgres?.written ?? 0;
  const started = Date.now();
  while (written() < 204 && Date.now() - started < 10_000) await sleep(10);
  const pgTook = Date.now() - started;
  await sleep(500); // the broker stays away a little longer
  const { rabbitmq } = logger.metrics().sinks;
  const held = (rabbitmq?.queueDepth ?? 0) + (rabbitmq?.inFlight ?? 0);
  console.log(
    `while the broker was away: Postgres wrote ${written()} events (the last 201 within ${pgTook} ms), RabbitMQ delivered ${rabbitmq?.written} and holds ${held} (state: ${rabbit.state}, ${faults} connection faults reported)`,
  );

  console.log('broker is back');
  await proxy.start();
  const summary = await logger.close({ timeoutMs: 30_000 });
  for (let i = 0; i < 100 && received.size < 204; i++) await sleep(50);
  console.log('close summary:', JSON.stringify(summary.sinks));
  console.log(`consumer received ${received.size} distinct events`);
} finally {
  await consumer.close();
  await proxy.stop();
  await close();
}
