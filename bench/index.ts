/**
 * `npm run bench [-- scenario...]`: prints one JSON line per scenario on stdout (progress on
 * stderr). Scenarios: logger (logger → Postgres vs raw pg, GIN cost), log-event (µs per call),
 * rabbitmq (logger → RabbitMQ vs raw amqplib with publisher confirms),
 * outbox (publish rate with 1 and 4 publishers vs a raw SKIP LOCKED loop; commit → publish
 * latency with NOTIFY and with polling only; BENCH_LATENCY_EVENTS events, default 200),
 * query (pages and aggregates at BENCH_QUERY_ROWS rows, default 1,000,000, vs hand-written pg),
 * stream (commit → SSE client latency with 1, 100, 1,000 subscribers and a hot scope while the
 * logger writes BENCH_STREAM_RATE events/s, default 5000, for BENCH_STREAM_SECONDS, default 5;
 * in its own database `eventrail_bench_stream`).
 * Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a database
 * `eventrail_bench`, or BENCH_DATABASE, is created on that server and dropped after),
 * AMQP_URL (default amqp://guest:guest@127.0.0.1:5672; an exchange and a queue named
 * `eventrail-bench-<random>` are declared there and deleted after),
 * BENCH_EVENTS (default 50000), BENCH_REPEATS (rounds, default 3).
 */
import { createBenchDatabase } from './lib/database.js';
import { note } from './lib/report.js';
import { logEventCost, loggerPostgres } from './postgres/logger.js';
import { outboxLatency, outboxPublish } from './postgres/outbox.js';
import { queryBench } from './postgres/query.js';
import { streamBench } from './postgres/stream.js';
import { createBenchBroker } from './rabbitmq/broker.js';
import { loggerRabbitMQ } from './rabbitmq/publish.js';

const count = Number(process.env.BENCH_EVENTS ?? 50_000);
const selected = new Set(process.argv.slice(2));
const wanted = (name: string) => selected.size === 0 || selected.has(name);

if (wanted('log-event')) await logEventCost();
if (wanted('logger')) {
  const db = await createBenchDatabase();
  try {
    await loggerPostgres(db, count);
  } finally {
    await db.drop();
  }
}
if (wanted('rabbitmq')) {
  const broker = await createBenchBroker();
  try {
    await loggerRabbitMQ(broker, count);
  } finally {
    await broker.drop();
  }
}
if (wanted('outbox')) {
  const db = await createBenchDatabase();
  try {
    await outboxPublish(db, count);
    await outboxLatency(db);
  } finally {
    await db.drop();
  }
}
if (wanted('query')) {
  const db = await createBenchDatabase();
  try {
    await queryBench(db, Number(process.env.BENCH_QUERY_ROWS ?? 1_000_000));
  } finally {
    await db.drop();
  }
}
if (wanted('stream')) {
  const db = await createBenchDatabase('eventrail_bench_stream');
  try {
    await streamBench(db);
  } finally {
    await db.drop();
  }
}
note('bench done');
