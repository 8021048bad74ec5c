/**
 * Seeding event_logs for the query tests: exact events through the library's own row encoder
 * (PostgresSink), or many generated ones with one INSERT ... SELECT generate_series.
 */
import { type EventInput, type EventRecord, normalizeEvent } from '../../src/index.js';
import { type PgDatabase, PostgresSink } from '../../src/postgres/index.js';

/** An event to insert, with the `createdAt` it should have (now when absent). */
export type SeedEvent = EventInput & { createdAt?: Date };

/** Inserts the events (in batches of 1000) and returns them as stored. */
export async function insertEvents(db: PgDatabase, events: SeedEvent[]): Promise<EventRecord[]> {
  const records = events.map(({ createdAt, ...input }) => {
    const record = normalizeEvent(input, { maxPayloadBytes: 1 << 20 });
    return createdAt ? { ...record, createdAt } : record;
  });
  const sink = new PostgresSink({ db });
  for (let i = 0; i < records.length; i += 1000) await sink.write(records.slice(i, i + 1000));
  return records;
}

/** Event types of the generated rows. */
export const GENERATED_TYPES = [
  'TOOL_REQUEST',
  'TOOL_RESULT',
  'AGENT_SWITCHED',
  'DIRECT_AGENT_CALL',
  'ERROR',
  'TASK_PROGRESS',
  'TASK_STARTED',
  'TASK_COMPLETED',
  'CONTEXT_RETRIEVED',
  'APPROVAL_REQUIRED',
];

/**
 * `count` rows shaped like an agent platform's (`users` users, each with its own sessions,
 * BOMs and workflows, 3 tenants, 7 projects), created one per `stepMs` milliseconds back from
 * `end`, with a microsecond part so that times are not round. Row g (1-based):
 * user-(g % users), type GENERATED_TYPES[(g / 7) % 10], session-(g % (users * 20)), and so on.
 */
export async function generateEvents(
  db: { query(text: string, params?: unknown[]): Promise<unknown> },
  options: { count: number; users: number; end: Date; stepMs?: number; first?: number },
): Promise<void> {
  const { count, users, end, stepMs = 1000, first = 1 } = options;
  await db.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id, project_id, tenant_id, session_id,
       agent_id, aggregate_type, aggregate_id, workflow_id, error_code, tool_name, payload, created_at)
     SELECT gen_random_uuid(), ($1::text[])[1 + (g / 7) % 10], 'user-' || (g % $2),
       'project-' || (g % 7), 'tenant-' || (g % $2 % 3), 'session-' || (g % ($2 * 20)),
       CASE WHEN g % 4 = 0 THEN NULL ELSE 'agent-' || (g % 9) END,
       'bom', 'bom-' || (g % ($2 * 5)), 'wf-' || (g % ($2 * 10)),
       CASE WHEN (g / 7) % 10 = 4 THEN 'E' || (g % 5) END,
       CASE WHEN (g / 7) % 10 IN (0, 1) THEN 'tool-' || (g % 6) END,
       jsonb_build_object('i', g, 'query', 'how to ship events reliably #' || g),
       $3::timestamptz - (g * $4::float8) * interval '1 millisecond' + (g % 997) * interval '1 microsecond'
     FROM generate_series($5::int, $5::int + $6::int - 1) AS g`,
    [GENERATED_TYPES, users, end, stepMs, first, count],
  );
}
