/** The examples run as written, against this file's database. */
import { describe, expect, it } from 'vitest';
import { EventLogger } from '../../src/index.js';
import { PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { runExample as example, startExample } from '../helpers/examples.js';
import { useNats } from '../helpers/nats.js';
import { waitFor } from '../helpers/outbox.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const db = useTestDatabase({ migrated: false });
const mq = useRabbitMQ();
const nats = useNats();

describe('examples', () => {
  it('quick-start logs one event to Postgres and reports it written', async () => {
    const { stdout } = await example('examples/quick-start.ts', { DATABASE_URL: db.url });
    expect(stdout).toContain('{ received: 1, written: 1, fallback: 0, dropped: 0 }');
    const { rows } = await db.pool.query(
      `SELECT tool_name FROM eventrail.event_logs WHERE event_type = 'TOOL_REQUEST'`,
    );
    expect(rows).toEqual([{ tool_name: 'web_search' }]);
  });

  it('retention makes the partitions ahead and reports its runs', async () => {
    const { stdout } = await example('examples/retention.ts', { DATABASE_URL: db.url });
    expect(stdout).toMatch(/^maintained$/m); // not 'not maintained'
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'eventrail.event_logs'::regclass`,
    );
    expect(rows[0].n).toBeGreaterThanOrEqual(5);
  });

  it('the demo runs on a Postgres server when DATABASE_URL is set', async () => {
    const { stdout } = await example('examples/demo.ts', { DATABASE_URL: db.url });
    // Logged and stored, by type and in total, and the sink's written count.
    expect(stdout).toMatch(/^TOOL_REQUEST +400 +400$/m);
    expect(stdout).toMatch(/^ERROR +10 +10$/m);
    expect(stdout).toMatch(/^total +1010 +1010$/m);
    expect(stdout).toMatch(/^written to Postgres +1010 of 1010$/m);
    expect(stdout).not.toContain('{"');
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM eventrail.event_logs`);
    expect(rows[0].n).toBe(1011);
  });

  it('the demo runs on embedded PGlite when DATABASE_URL is unset', async () => {
    const { stdout } = await example('examples/demo.ts', {});
    expect(stdout).toContain('embedded PGlite');
    expect(stdout).toMatch(/^total +1010 +1010$/m);
    expect(stdout).toMatch(/^dropped \/ handed to the fallback +0 \/ 0$/m);
  });

  it('rabbitmq-dual writes to Postgres and publishes with the catalog routing keys and priorities', async () => {
    const exchange = mq.name('example');
    const queue = `${exchange}.monitor`;
    try {
      const { stdout } = await example('examples/rabbitmq-dual.ts', {
        DATABASE_URL: db.url,
        AMQP_URL: mq.url,
        AMQP_EXCHANGE: exchange,
      });
      const written = '{"received":6,"written":6,"fallback":0,"dropped":0}';
      expect(stdout).toContain(`{"postgres":${written},"rabbitmq":${written}}`);
      expect(stdout).toContain('rabbitmq: connected');
      const { rows } = await db.pool.query(
        `SELECT count(*)::int AS n FROM eventrail.event_logs WHERE aggregate_id = 'bom-7'`,
      );
      expect(rows[0].n).toBe(6);
      const messages = await mq.collect(queue, 6);
      // Waiting in a priority queue, they come out highest priority first.
      expect(messages.map((m) => [m.fields.routingKey, m.properties.priority])).toEqual([
        ['cns.risk.alert.critical', 8],
        ['cns.processing.started', 7],
        ['cns.stage.enrichment.started', 6],
        ['cns.stage.enrichment.completed', 6],
        ['cns.enrichment.progress', 4],
        ['cns.enrichment.progress', 4],
      ]);
    } finally {
      await mq.channel.deleteQueue(queue);
    }
  });

  // After the demo, which counts every row of event_logs.
  it('outbox-basic commits a message with its event, publishes it, and projects it into event_logs', async () => {
    const { stdout } = await example('examples/outbox-basic.ts', { DATABASE_URL: db.url });
    expect(stdout).toContain("delivered message_created chat-7 { text: 'hello' }");
    expect(stdout).toContain('{ published: 1, pending: 0 }');
    const { rows } = await db.pool.query(
      `SELECT o.status, l.aggregate_id FROM eventrail.event_outbox o
         JOIN eventrail.event_logs l USING (id) WHERE o.event_type = 'message_created'`,
    );
    expect(rows).toEqual([{ status: 'published', aggregate_id: 'chat-7' }]);
  });

  it('inbox-rabbitmq counts each order of the outbox example once, though every message arrives twice', async () => {
    const exchange = mq.name('shop');
    try {
      const { stdout } = await example('examples/inbox-rabbitmq.ts', {
        DATABASE_URL: db.url,
        AMQP_URL: mq.url,
        AMQP_EXCHANGE: exchange,
      });
      for (const order of ['order-1', 'order-2', 'order-3']) {
        expect(stdout).toContain(`${order} delivered: counted`);
        expect(stdout).toContain(`${order} redelivered: already counted, skipped`);
      }
      expect(stdout).toContain('order_counts: [{"user_id":"user-42","n":3}]');
    } finally {
      await mq.channel.deleteQueue(`${exchange}.orders`);
    }
    await db.pool.query('DROP TABLE order_counts');
  });

  it('inbox-nats counts each order read from a JetStream consumer once, though every message arrives twice', async () => {
    const { stdout } = await example('examples/inbox-nats.ts', {
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_STREAM: nats.name('example'),
    });
    expect(stdout).toContain('published: {"received":3,"written":3,"fallback":0,"dropped":0}');
    for (const order of ['order-1', 'order-2', 'order-3']) {
      expect(stdout).toContain(`${order} delivered: counted`);
      expect(stdout).toContain(`${order} redelivered: already counted, skipped`);
    }
    expect(stdout).toContain('order_counts: [{"user_id":"user-42","n":3}]');
    await db.pool.query('DROP TABLE order_counts');
  });

  it('queries pages a session with the cursor, counts by type and lists recent errors', async () => {
    await db.pool.query('DROP SCHEMA IF EXISTS eventrail CASCADE'); // start from an empty database
    const { stdout } = await example('examples/queries.ts', { DATABASE_URL: db.url });
    expect(stdout).toContain('events of session-1: 40');
    expect(stdout).toMatch(/type: 'TOOL_REQUEST', count: 108 \}.*\n?.*type: 'ERROR', count: 12/s);
    expect(stdout).toContain('recent errors: 12 RATE_LIMIT');
  });

  it('typed-catalog refuses a payload against its schema and applies the catalog routing', async () => {
    const { stdout } = await example('examples/typed-catalog.ts', {});
    expect(stdout).toContain('VALIDATION_SCHEMA payload.risk_score');
    expect(stdout).toContain("[ 'TOOL_REQUEST - -', 'risk_alert cns.risk.alert.critical 8' ]");
  });

  it('http-api answers each route: pages, a session, analytics, 404 for a foreign project, 400 for a bad limit', async () => {
    await db.pool.query('DROP SCHEMA IF EXISTS eventrail CASCADE'); // start from an empty database
    const { stdout } = await example('examples/http-api.ts', { DATABASE_URL: db.url });
    const lines = stdout.trim().split('\n');
    expect(lines.map((line) => line.split(' ').slice(0, 2).join(' '))).toEqual([
      '200 /project-1/events?limit=2',
      '200 /project-1/events/session-1?type=ERROR',
      '200 /project-1/analytics',
      '404 /project-2/events',
      '400 /project-1/events?limit=5000',
    ]);
    expect(lines[0]).toContain('"type":"ERROR"');
    expect(lines[2]).toContain('{"type":"AGENT_SWITCHED","count":1}');
    expect(lines[4]).toContain('"code":"VALIDATION_RANGE"');
  });

  it('live-tail prints events as another process logs them, and a cursor to resume', async () => {
    const tail = startExample('examples/live-tail.ts', {
      DATABASE_URL: db.url,
      LIVE_TAIL_COUNT: '3',
    });
    let stdout = '';
    tail.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => tail.once('exit', resolve));
    let running = true;
    void exited.then(() => {
      running = false;
    });
    await waitFor(() => stdout.includes('tailing'), 30_000, 'live-tail to start');
    // Another process (this one) logs until the tail has printed three events and exits.
    const logger = new EventLogger({ sinks: [new PostgresSink({ db: db.pool })], fallback: null });
    for (let i = 0; running && i < 300; i++) {
      await logger.logEvent({ type: 'TAILED', userId: 'user-42', payload: { i } });
      await logger.logEvent({ type: 'NOT_MINE', userId: 'user-7', payload: { i } });
      await logger.flush();
      await new Promise((r) => setTimeout(r, 100));
    }
    await logger.close();
    expect(await exited).toBe(0);
    expect(stdout.match(/ TAILED \{"i":\d+\}/g)).toHaveLength(3);
    expect(stdout).not.toContain('NOT_MINE');
    expect(stdout).toMatch(/to resume: LIVE_TAIL_FROM=[\w-]+\.[\w-]+/);
  });

  it('workflow-state rebuilds a BOM workflow from its events, then keeps it current live', async () => {
    const { stdout } = await example('examples/workflow-state.ts', { DATABASE_URL: db.url });
    expect(stdout).toContain(
      'rebuilt from 9 events: {"status":"paused","stage":"enrichment","totalItems":6,"items":{"matched":1,"cached":1,"no_match":1},"completedStages":["parsing"],"criticalRisks":["XC7A35T"],"events":9}',
    );
    expect(stdout.match(/^live /gm)).toHaveLength(5);
    expect(stdout).toContain(
      'current state: {"status":"running","stage":"enrichment","totalItems":6,"items":{"matched":3,"cached":1,"no_match":1,"error":1},"completedStages":["parsing","enrichment"],"criticalRisks":["XC7A35T"],"events":14}',
    );
  });

  it('consumer keeps a read model exactly once from a durable consumer', async () => {
    const { stdout } = await example('examples/consumer.ts', { DATABASE_URL: db.url });
    for (const bom of ['bom-0', 'bom-1', 'bom-2'])
      expect(stdout).toContain(`{ bom_id: '${bom}', matched: 8, failed: 2 }`);
    expect(stdout).toContain('lag: 0');
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM eventrail.consumer_partitions WHERE consumer = 'bom-progress'`,
    );
    expect(rows[0].n).toBe(16);
    await db.pool.query('DROP TABLE bom_progress');
  });
});
