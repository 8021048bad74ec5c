/**
 * `npm run bench [-- scenario...]`: prints one JSON line per scenario on stdout (progress on
 * stderr). Scenarios: logger (logger → Postgres vs raw pg, GIN cost), log-event (µs per call),
 * logger-lone-event-latency (with logger), rabbitmq (logger → RabbitMQ vs raw amqplib with publisher confirms),
 * nats (logger → NATS JetStream vs the fastest raw publish with acks: the client's js.publish, or a
 * plain publish with a reply inbox; NatsSink.write alone beside it),
 * inbox (Inbox.handle + an effect per transaction vs raw INSERT ... ON CONFLICT DO NOTHING; events:
 * BENCH_INBOX_EVENTS, default 20000),
 * outbox (publish rate with 1 and 4 publishers vs a raw SKIP LOCKED loop; commit → publish
 * latency with NOTIFY and with polling only; BENCH_LATENCY_EVENTS events, default 200; then the
 * same beside graphile-worker and pg-boss, see postgres/outbox-peers.ts),
 * query (pages and aggregates at BENCH_QUERY_ROWS rows, default 1,000,000, vs hand-written pg),
 * retention (drop-partition vs DELETE expiry, logger on the partitioned table vs the raw limit on
 * an unpartitioned one, pages over BENCH_RETENTION_DAYS daily partitions; see bench/postgres/retention.ts;
 * retention-logger and retention-query run the logger and the paging parts alone),
 * stream (commit → SSE client latency with 1, 100, 1,000 subscribers and a hot scope while the
 * logger writes BENCH_STREAM_RATE events/s, default 5000, for BENCH_STREAM_SECONDS, default 5;
 * in its own database `eventrail_bench_stream`; then the SSE writers paired at 1,000
 * subscribers, res.write against the socket path, which stream-writer runs alone),
 * trace-capture (µs per event for the trace context hook: without OpenTelemetry, with it and no
 * active span, with an active span),
 * consume (consuming what was logged, in one database: consume-catchup, an EventStream
 * subscription from the start over BENCH_CATCHUP_EVENTS stored rows (default BENCH_EVENTS when set,
 * else 1,000,000) vs a raw keyset loop, see postgres/consume-catchup.ts; consume-group-1 and
 * consume-group-4, a consumer group inserting one host row per event vs graphile-worker (peer
 * lines) over BENCH_GROUP_EVENTS (default 20000), see postgres/consume-group.ts;
 * consume-live-latency, commit → handler p50/p99 of a live consumer, BENCH_LIVE_EVENTS (default
 * 2000) at BENCH_LIVE_RATE/s (default 200), see postgres/consume-latency.ts;
 * consume-replay-nats, replay of BENCH_EVENTS stored events to NATS vs the logger → NatsSink
 * rate, see postgres/consume.ts; BENCH_CONSUME, a comma-separated list of catchup, group, live,
 * replay, runs only those, default all),
 * rollups (see postgres/rollups.ts: rows like seed 001's over 90 daily partitions, by COPY, for
 * each size of BENCH_ROLLUP_ROWS, a comma list, default 10000000; rollups-generate, then
 * rollups-build (rebuildRollups, rows/s), then cold reads of the scope with a tenth of the rows
 * from the rollups vs the raw GROUP BY: rollups-counts-by-type, rollups-error-stats,
 * rollups-time-series-hourly, rollups-counts-by-type-unaligned, BENCH_ROLLUP_READS each, default
 * 9; then rollups-write-cost, logger → Postgres with a RollupWorker beside vs without, see
 * postgres/rollup-write.ts; BENCH_ROLLUPS, a comma-separated list of reads, write, runs only those;
 * BENCH_ROLLUP_KEEP=1 keeps the reads' rows and rollup in eventrail_bench_rollups for the next run),
 * wal (see postgres/wal.ts; on a server with wal_level = logical: WAL_DATABASE_URL, else
 * DATABASE_URL's when logical, else a local cluster made with pg_createcluster and dropped after,
 * see scripts/logical-cluster.ts; database `eventrail_bench_wal`): wal-delivered-backlog,
 * wal-delivered-live-1, wal-delivered-live-4, committed → delivered events/s of a WalRelay beside
 * OutboxPublisher ×1 and ×4 and graphile-worker ×4 (BENCH_PEER_EVENTS, 100 per transaction,
 * committed before the clock starts or by 1 or 4 writers while they deliver), each with WAL bytes
 * per event and rows inserted into event_outbox; wal-latency, commit → sink p50/p99
 * (BENCH_LATENCY_EVENTS); wal-stream-sse-<n>, commit → SSE p99 of source 'wal' against 'notify'
 * at BENCH_WAL_SUBSCRIBERS (default 1000), and -held with a transaction open
 * BENCH_WAL_HOLD_SECONDS (default 30), late events counted until BENCH_WAL_HOLD_DRAIN_MS (default
 * 10000) after the writer stopped (BENCH_WAL, a comma-separated list of delivered, latency,
 * stream, runs only those, default all),
 * timeline (only when named: it needs Chromium): the timeline page on sessions of 1,000, 10,000
 * and 100,000 events, see http/timeline.ts (BENCH_TIMELINE_SIZES, BENCH_TIMELINE_BURSTS).
 * Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a database
 * `eventrail_bench`, or BENCH_DATABASE, is created on that server and dropped after),
 * AMQP_URL (default amqp://guest:guest@127.0.0.1:5672; an exchange and a queue named
 * `eventrail-bench-<random>` are declared there and deleted after),
 * NATS_URL (default nats://127.0.0.1:4222; a stream `eventrail_bench_<random>` is created there and
 * deleted after), BENCH_EVENTS (default 50000), BENCH_REPEATS (rounds, default 3).
 * BENCH_RESULTS=1 also appends the run (its machine, its command, every line) to
 * bench/results/<date>.jsonl, which `npm run bench:report` turns into docs/performance.md.
 * A part that fails is noted on stderr and the run goes on with the next; the exit code is then 1.
 * One run at a time per Postgres server (lib/lock.ts): a second one refuses to start.
 */
import { logicalServer } from '../scripts/logical-cluster.js';
import { timelineBench } from './http/timeline.js';
import { ADMIN_URL, type BenchDatabase, createBenchDatabase } from './lib/database.js';
import { lockBenchServer } from './lib/lock.js';
import { note } from './lib/report.js';
import { loggerNats } from './nats/publish.js';
import { traceCaptureCost } from './otel/trace-capture.js';
import { replayNats } from './postgres/consume.js';
import { catchUpBench } from './postgres/consume-catchup.js';
import { groupBench } from './postgres/consume-group.js';
import { liveConsumer, liveLatency, liveSubscription } from './postgres/consume-latency.js';
import { inboxBench } from './postgres/inbox.js';
import { logEventCost, loggerPostgres } from './postgres/logger.js';
import { loneEventLatency } from './postgres/lone-event.js';
import { outboxLatency, outboxPublish } from './postgres/outbox.js';
import { outboxPeers } from './postgres/outbox-peers.js';
import { queryBench } from './postgres/query.js';
import {
  expiryBench,
  partitionedLoggerBench,
  partitionedQueryBench,
} from './postgres/retention.js';
import { rollupWriteCost } from './postgres/rollup-write.js';
import { rollupReadsBench } from './postgres/rollups.js';
import { streamBench } from './postgres/stream.js';
import { walBench } from './postgres/wal.js';
import { createBenchBroker } from './rabbitmq/broker.js';
import { loggerRabbitMQ } from './rabbitmq/publish.js';

const count = Number(process.env.BENCH_EVENTS ?? 50_000);
const selected = new Set(process.argv.slice(2));
const wanted = (name: string) => selected.size === 0 || selected.has(name);

/** The parts that failed: each is noted, and the run goes on with the next one. */
const failed: string[] = [];

/** Runs one part of the bench; a failure is noted on stderr and does not end the run. */
async function part(name: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    failed.push(name);
    note(
      `bench: ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : error}`,
    );
  }
}

/** Runs `work` on a fresh bench database (see createBenchDatabase), dropped after. */
async function onDatabase(
  work: (db: BenchDatabase) => Promise<unknown>,
  ...args: Parameters<typeof createBenchDatabase>
): Promise<void> {
  const db = await createBenchDatabase(...args);
  try {
    await work(db);
  } finally {
    await db.drop();
  }
}

const release = await lockBenchServer(ADMIN_URL).catch((error: Error) => {
  note(`bench: ${error.message}`);
  process.exit(1);
});
try {
  if (wanted('log-event')) await part('log-event', logEventCost);
  if (wanted('trace-capture')) await part('trace-capture', traceCaptureCost);
  if (wanted('logger'))
    await part('logger', () =>
      onDatabase(async (db) => {
        await loggerPostgres(db, count);
        await loneEventLatency(db);
      }),
    );
  if (wanted('rabbitmq'))
    await part('rabbitmq', async () => {
      const broker = await createBenchBroker();
      try {
        await loggerRabbitMQ(broker, count);
      } finally {
        await broker.drop();
      }
    });
  if (wanted('outbox-peers') && !wanted('outbox'))
    await part('outbox-peers', () => onDatabase(outboxPeers));
  if (wanted('nats')) await part('nats', () => loggerNats(count));
  if (wanted('outbox'))
    await part('outbox', () =>
      onDatabase(async (db) => {
        await outboxPublish(db, count);
        await outboxLatency(db);
        await outboxPeers(db);
      }),
    );
  if (wanted('query'))
    await part('query', () =>
      onDatabase((db) => queryBench(db, Number(process.env.BENCH_QUERY_ROWS ?? 1_000_000))),
    );
  const retention = process.env.BENCH_DATABASE ?? 'eventrail_bench_retention';
  // `retention-logger` and `retention-query` run one part alone.
  if (wanted('retention') || wanted('retention-logger'))
    await part('retention-logger', () => partitionedLoggerBench(count));
  if (wanted('retention'))
    await part('retention-expire', () =>
      onDatabase(
        (db) => expiryBench(db, Number(process.env.BENCH_RETENTION_ROWS ?? 1_000_000)),
        retention,
      ),
    );
  if (wanted('retention') || wanted('retention-query')) {
    // BENCH_RETENTION_KEEP_DATABASE: the rows are generated once, kept there and paged again.
    const kept = process.env.BENCH_RETENTION_KEEP_DATABASE;
    await part('retention-query', () =>
      onDatabase(
        (db) =>
          partitionedQueryBench(
            db,
            Number(process.env.BENCH_RETENTION_QUERY_ROWS ?? 10_000_000),
            Number(process.env.BENCH_RETENTION_DAYS ?? 61),
          ),
        kept ?? retention,
        { keep: kept !== undefined },
      ),
    );
  }
  // `stream-writer` runs the paired SSE writer scenario alone.
  if (wanted('stream') || wanted('stream-writer'))
    await part('stream', () =>
      onDatabase(
        (db) => streamBench(db, wanted('stream') ? undefined : ['writer']),
        'eventrail_bench_stream',
      ),
    );
  if (wanted('wal'))
    await part('wal', async () => {
      const server = await logicalServer();
      try {
        // Another server than DATABASE_URL's (WAL_DATABASE_URL's, shared) takes its own lock.
        const other = new URL(server.url).host !== new URL(ADMIN_URL).host;
        const unlock = other && !server.created ? await lockBenchServer(server.url) : undefined;
        try {
          await onDatabase(walBench, 'eventrail_bench_wal', { adminUrl: server.url });
        } finally {
          await unlock?.();
        }
      } finally {
        await server.stop();
      }
    });
  if (wanted('inbox'))
    await part('inbox', () =>
      onDatabase((db) => inboxBench(db, Number(process.env.BENCH_INBOX_EVENTS ?? 20_000))),
    );
  if (wanted('consume')) {
    const parts = process.env.BENCH_CONSUME?.split(',');
    const only = (name: string) => parts === undefined || parts.includes(name);
    const catchUp = process.env.BENCH_CATCHUP_EVENTS ?? process.env.BENCH_EVENTS ?? 1_000_000;
    await part('consume', () =>
      onDatabase(async (db) => {
        if (only('catchup')) await part('consume-catchup', () => catchUpBench(db, Number(catchUp)));
        if (only('group'))
          await part('consume-group', () =>
            groupBench(db, Number(process.env.BENCH_GROUP_EVENTS ?? 20_000)),
          );
        if (only('live'))
          await part('consume-live', async () => {
            for (const live of [liveConsumer, liveSubscription]) await liveLatency(db, live);
          });
        if (only('replay')) await part('consume-replay', () => replayNats(db, count));
      }),
    );
  }
  if (wanted('rollups')) {
    const parts = process.env.BENCH_ROLLUPS?.split(',');
    const only = (name: string) => parts === undefined || parts.includes(name);
    const sizes = (process.env.BENCH_ROLLUP_ROWS ?? '10000000').split(',').map(Number);
    // BENCH_ROLLUP_KEEP=1: the reads' rows (and their rollup) stay in eventrail_bench_rollups for
    // the next run, which adds only what its sizes lack; data as of the day it was generated.
    const keep = process.env.BENCH_ROLLUP_KEEP === '1';
    const readsDatabase = keep ? 'eventrail_bench_rollups' : undefined;
    if (only('reads'))
      await part('rollups-reads', () =>
        onDatabase((db) => rollupReadsBench(db, sizes), readsDatabase, { keep }),
      );
    if (only('write'))
      await part('rollups-write', () => onDatabase((db) => rollupWriteCost(db, count)));
  }
  // Only when named: it needs Chromium.
  if (selected.has('timeline'))
    await part('timeline', () => onDatabase(timelineBench, 'eventrail_bench_timeline'));
} finally {
  await release();
}
if (failed.length > 0) {
  note(`bench done; failed: ${failed.join(', ')}`);
  process.exitCode = 1;
} else note('bench done');
