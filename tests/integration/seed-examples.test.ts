/**
 * The seeds' two applications as runnable examples, run as a reader would run them against
 * real Postgres and RabbitMQ: the agent platform, the CNS enrichment service, the outbox, and a
 * host's graceful shutdown.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/database.js';
import { runExample, startExample } from '../helpers/examples.js';
import { waitFor } from '../helpers/outbox.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const db = useTestDatabase({ migrated: false });
const mq = useRabbitMQ();

async function deleteTopology(exchange: string, queue: string): Promise<void> {
  await mq.channel.deleteQueue(queue);
  await mq.channel.deleteExchange(exchange);
}

describe('seed examples', () => {
  it('agent-platform logs a whole session through the catalog and reads it back', async () => {
    const { stdout } = await runExample('examples/agent-platform.ts', { DATABASE_URL: db.url });
    expect(stdout).toContain('"received":26,"written":26,"fallback":0,"dropped":0');
    expect(stdout).toContain('session-7 history (26 events)');
    const approvals = stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('APPROVAL_'));
    // Answered in time; then unanswered: the warning comes before the timeout.
    expect(approvals).toEqual([
      'APPROVAL_REQUIRED pending',
      'APPROVAL_RESOLVED approved',
      'APPROVAL_REQUIRED pending',
      'APPROVAL_TIMEOUT_WARNING',
      'APPROVAL_TIMEOUT timed_out',
    ]);
    expect(stdout).toContain('ERROR [researcher] RATE_LIMIT');
    expect(stdout).toContain('{"agentId":"coder","switches":0,"directCalls":1}');
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM eventrail.event_logs WHERE session_id = 'session-7' AND event_type LIKE 'APPROVAL_%'`,
    );
    expect(rows[0].n).toBe(5);
  });

  it('cns-enrichment keeps writing Postgres while the broker is away, and RabbitMQ catches up', async () => {
    const exchange = mq.name('cns');
    try {
      const { stdout } = await runExample('examples/cns-enrichment.ts', {
        DATABASE_URL: db.url,
        AMQP_URL: mq.url,
        AMQP_EXCHANGE: exchange,
      });
      expect(stdout).toContain('consumer <- cns.risk.alert.critical (priority 8)');
      expect(stdout).toContain('consumer <- cns.processing.started (priority 7)');
      expect(stdout).toMatch(
        /while the broker was away: Postgres wrote 204 events .*, RabbitMQ delivered 3 and holds 201/,
      );
      expect(stdout).toContain(
        '"rabbitmq":{"received":204,"written":204,"fallback":0,"dropped":0}',
      );
      expect(stdout).toContain('consumer received 204 distinct events');
    } finally {
      await deleteTopology(exchange, `${exchange}.monitor`);
    }
  });

  it('outbox publishes the committed order event to RabbitMQ and nothing of the rolled-back one', async () => {
    const exchange = mq.name('shop');
    try {
      const { stdout } = await runExample('examples/outbox.ts', {
        DATABASE_URL: db.url,
        AMQP_URL: mq.url,
        AMQP_EXCHANGE: exchange,
      });
      expect(stdout).toContain('order-2 rolled back: payment declined');
      expect(stdout).toContain(
        'consumer <- eventrail.order_placed order-1 {"total":99.5} (messageId = event id)',
      );
      expect(stdout).toContain('orders: [{"id":"order-1"}]');
      const { rows } = await db.pool.query(
        `SELECT aggregate_id, status FROM eventrail.event_outbox`,
      );
      expect(rows).toEqual([{ aggregate_id: 'order-1', status: 'published' }]);
    } finally {
      await deleteTopology(exchange, `${exchange}.orders`);
    }
  });

  it('shutdown drains the logger and the outbox publisher on SIGTERM and exits 0', async () => {
    const child = startExample('examples/shutdown.ts', { DATABASE_URL: db.url });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    await waitFor(() => output.includes('running;'), 30_000, 'the example to start');
    // Long enough for more than 100 events, so that at least one outbox event is written.
    await new Promise((r) => setTimeout(r, 2000));
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(output).toContain('SIGTERM: stopping intake');
    expect(code).toBe(0);
    const summary = JSON.parse(/logger: (.*)/.exec(output)?.[1] ?? 'null');
    const { received, written, fallback, dropped } = summary.sinks.postgres;
    expect(received).toBeGreaterThan(100);
    expect({ written, fallback, dropped }).toEqual({ written: received, fallback: 0, dropped: 0 });
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n FROM eventrail.event_logs WHERE event_type = 'TASK_PROGRESS' AND session_id IS NULL`,
    );
    expect(rows[0].n).toBe(received);
    // The example writes an outbox event with every 100th logged one; each is published.
    const { rows: outbox } = await db.pool.query(
      `SELECT status, count(*)::int AS n FROM eventrail.event_outbox WHERE event_type = 'tick' GROUP BY 1`,
    );
    expect(outbox).toEqual([{ status: 'published', n: Math.floor(received / 100) }]);
  });
});
