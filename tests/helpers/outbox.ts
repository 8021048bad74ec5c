/** Shared pieces of the outbox tests: filling the outbox, reading it back, waiting. */
import type pg from 'pg';
import type { EventInput } from '../../src/index.js';
import { OutboxWriter } from '../../src/postgres/index.js';

/** `count` valid events; `i` is in the payload, `extra` is merged into each. */
export function outboxEvents(count: number, extra: Partial<EventInput> = {}): EventInput[] {
  return Array.from({ length: count }, (_, i) => ({
    type: 'message_created',
    userId: 'user-1',
    projectId: 'project-1',
    aggregateType: 'chat',
    aggregateId: `chat-${i % 10}`,
    payload: { i },
    ...extra,
  }));
}

/**
 * Commits `events` to the outbox through a pg client transaction, `perTransaction` at a time
 * (with `writer`: its transport).
 */
export async function commitToOutbox(
  pool: pg.Pool,
  events: readonly EventInput[],
  perTransaction = 500,
  writer = new OutboxWriter(),
): Promise<string[]> {
  const client = await pool.connect();
  const ids: string[] = [];
  try {
    for (let i = 0; i < events.length; i += perTransaction) {
      await client.query('BEGIN');
      ids.push(...(await writer.write(client, events.slice(i, i + perTransaction))));
      await client.query('COMMIT');
    }
  } finally {
    client.release();
  }
  return ids;
}

/** Rows of the outbox, by status. */
export async function statusCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM eventrail.event_outbox GROUP BY status',
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Resolves once `check` returns true, polling every 20 ms; rejects after `timeoutMs`. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
