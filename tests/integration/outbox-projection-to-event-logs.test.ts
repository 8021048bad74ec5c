/**
 * Published events projected into event_logs by passing the PostgresSink as a sink, so history
 * and analytics read one table; a row the projection refuses is isolated and failed at once.
 */
import { describe, expect, it } from 'vitest';
import { OutboxPublisher, PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
const ENVELOPE = `id, event_type, user_id, project_id, tenant_id, session_id, agent_id, aggregate_type,
  aggregate_id, workflow_id, correlation_id, source, payload, error_code, tool_name,
  approval_status, routing_key, priority, occurred_at, created_at`;

async function published(): Promise<number> {
  const { rows } = await db.pool.query(
    `SELECT count(*)::int AS n FROM eventrail.event_outbox WHERE status <> 'pending'`,
  );
  return rows[0].n;
}

describe('projection into event_logs', () => {
  it('copies every envelope field of each published event', async () => {
    const ids = await commitToOutbox(
      db.pool,
      outboxEvents(250, {
        type: 'TOOL_REQUEST',
        tenantId: 't-1',
        sessionId: 's-1',
        agentId: 'agent-1',
        workflowId: 'wf-1',
        correlationId: 'corr-1',
        source: 'customer',
        routingKey: 'chat.tool',
        priority: 5,
        occurredAt: new Date('2024-05-01T10:00:00.123Z'),
        payload: { tool_name: 'search', text: 'ünïcødé "quotes" \\ back', n: 1.5, none: null },
      }),
    );
    const publisher = new OutboxPublisher({
      db: db.pool,
      sinks: [new PostgresSink({ db: db.pool })],
      pollIntervalMs: 20,
    });
    await publisher.start();
    await waitFor(async () => (await published()) === ids.length, 20_000, 'the projection');
    await publisher.close();

    const outbox = await db.pool.query(
      `SELECT ${ENVELOPE} FROM eventrail.event_outbox ORDER BY id`,
    );
    const logs = await db.pool.query(`SELECT ${ENVELOPE} FROM eventrail.event_logs ORDER BY id`);
    expect(logs.rows).toHaveLength(250);
    expect(logs.rows).toEqual(outbox.rows);
    expect(logs.rows[0]).toMatchObject({
      tool_name: 'search',
      priority: 5,
      routing_key: 'chat.tool',
    });
  });

  it('fails the one row event_logs refuses (no blind retry) and projects the others', async () => {
    await db.pool.query(
      `ALTER TABLE eventrail.event_logs ADD CONSTRAINT no_poison CHECK (payload->>'poison' IS NULL)`,
    );
    const ids = await commitToOutbox(db.pool, outboxEvents(40));
    const [poison] = await commitToOutbox(db.pool, [
      { type: 'message_created', userId: 'u', payload: { poison: true } },
    ]);
    const more = await commitToOutbox(db.pool, outboxEvents(40));
    const publisher = new OutboxPublisher({
      db: db.pool,
      sinks: [new PostgresSink({ db: db.pool })],
      pollIntervalMs: 20,
    });
    const failed: { id: string; attempts: number; error: unknown }[] = [];
    publisher.on('failed', (f) =>
      failed.push({ id: f.event.id, attempts: f.attempts, error: f.error }),
    );
    await publisher.start();
    await waitFor(async () => (await published()) === 250 + 81, 20_000, 'every row settled');
    await publisher.close();

    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ id: poison, attempts: 1, error: { code: '23514' } });
    const { rows } = await db.pool.query(
      `SELECT status, retry_count, last_error FROM eventrail.event_outbox WHERE id = $1`,
      [poison],
    );
    expect(rows[0]).toMatchObject({ status: 'failed', retry_count: 1 });
    expect(rows[0].last_error).toMatch(/^postgres: .*no_poison/);
    const projected = await db.pool.query(
      'SELECT count(*)::int AS n FROM eventrail.event_logs WHERE id = ANY($1::uuid[])',
      [[...ids, ...more]],
    );
    expect(projected.rows[0].n).toBe(80);
  });
});
