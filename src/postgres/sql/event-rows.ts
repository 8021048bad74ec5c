import type { EventRecord } from '../../event/types.js';

/**
 * Envelope columns of `event_logs` and `event_outbox`, in insert order, with the short JSON key
 * each has in a batch document and the type `json_to_recordset` reads it as. Times travel as
 * epoch milliseconds (`float8`), which is cheaper to produce and to parse than ISO text.
 * @internal
 */
const COLUMNS = [
  ['id', 'a', 'uuid'],
  ['event_type', 'b', 'text'],
  ['user_id', 'c', 'text'],
  ['project_id', 'd', 'text'],
  ['tenant_id', 'e', 'text'],
  ['session_id', 'f', 'text'],
  ['agent_id', 'g', 'text'],
  ['aggregate_type', 'h', 'text'],
  ['aggregate_id', 'i', 'text'],
  ['workflow_id', 'j', 'text'],
  ['correlation_id', 'k', 'text'],
  ['source', 'l', 'text'],
  ['payload', 'm', 'jsonb'],
  ['error_code', 'n', 'text'],
  ['tool_name', 'o', 'text'],
  ['approval_status', 'p', 'text'],
  ['routing_key', 'q', 'text'],
  ['priority', 'r', 'smallint'],
  ['occurred_at', 's', 'float8'],
  ['created_at', 't', 'float8'],
  ['trace_id', 'u', 'text'],
  ['span_id', 'v', 'text'],
] as const;

/** Columns of migration 0005, named by an insert only when its batch carries trace context. */
const TRACE_COLUMNS: ReadonlySet<string> = new Set(['trace_id', 'span_id']);

/**
 * The columns list and the `SELECT ... FROM json_to_recordset($1::json)` of an insert of envelope
 * rows made by {@link eventRowsJson}. One JSON parameter per batch keeps the statement text and
 * the bind message the same size whatever the batch size, and embeds each payload's JSON as is.
 * Without `traced`, the trace columns are left out (NULL by default): an untraced batch names
 * nothing of migration 0005, so a writer of this version still works on a database before it.
 * @internal
 */
export function envelopeInsert(traced: boolean): { columns: string; rows: string } {
  const columns = traced ? COLUMNS : COLUMNS.filter(([name]) => !TRACE_COLUMNS.has(name));
  return {
    columns: columns.map(([name]) => `"${name}"`).join(', '),
    rows: `SELECT ${columns
      .map(([name, key, type]) =>
        type === 'float8'
          ? `to_timestamp(r.${key} / 1000.0) AS "${name}"`
          : `r.${key} AS "${name}"`,
      )
      .join(', ')}
  FROM json_to_recordset($1::json) AS r(${columns.map(([, key, type]) => `${key} ${type}`).join(', ')})`,
  };
}

/** Whether an event of the batch carries trace context (see {@link envelopeInsert}). @internal */
export function isTraced(batch: readonly EventRecord[]): boolean {
  for (const event of batch) if (event.traceId !== null) return true;
  return false;
}

function text(key: string, value: string | null): string {
  return value === null ? '' : `,"${key}":${JSON.stringify(value)}`;
}

/** One event as a JSON object with the short keys above; NULL fields are left out. */
function rowJson(e: EventRecord): string {
  return (
    `{"a":"${e.id}"` +
    text('b', e.type) +
    text('c', e.userId) +
    text('d', e.projectId) +
    text('e', e.tenantId) +
    text('f', e.sessionId) +
    text('g', e.agentId) +
    text('h', e.aggregateType) +
    text('i', e.aggregateId) +
    text('j', e.workflowId) +
    text('k', e.correlationId) +
    text('l', e.source) +
    `,"m":${e.payloadJson}` +
    text('n', e.errorCode) +
    text('o', e.toolName) +
    text('p', e.approvalStatus) +
    text('q', e.routingKey) +
    (e.priority === null ? '' : `,"r":${e.priority}`) +
    `,"s":${e.occurredAt.getTime()},"t":${e.createdAt.getTime()}` +
    text('u', e.traceId) +
    text('v', e.spanId) +
    '}'
  );
}

/** The batch as one JSON array, the parameter of an {@link envelopeInsert}. @internal */
export function eventRowsJson(batch: readonly EventRecord[]): string {
  let json = '[';
  for (let i = 0; i < batch.length; i++) {
    if (i > 0) json += ',';
    json += rowJson(batch[i] as EventRecord);
  }
  return `${json}]`;
}

/**
 * The envelope columns of `alias` read back under the same short keys, in types every driver
 * returns alike: payload as JSON text, times as epoch milliseconds (`float8`), the rest as is.
 * {@link eventFromRow} turns such a row back into an `EventRecord`.
 * @internal
 */
export function envelopeSelectList(alias: string): string {
  return COLUMNS.map(([name, key, type]) => {
    if (type === 'jsonb') return `${alias}."${name}"::text AS ${key}`;
    if (type === 'float8')
      return `(extract(epoch from ${alias}."${name}") * 1000)::float8 AS ${key}`;
    return `${alias}."${name}" AS ${key}`;
  }).join(', ');
}

/** A row selected with {@link envelopeSelectList}. @internal */
export type EnvelopeRow = Readonly<Record<(typeof COLUMNS)[number][1], unknown>>;

/** The `EventRecord` of a row selected with {@link envelopeSelectList}. @internal */
export function eventFromRow(row: EnvelopeRow): EventRecord {
  const payloadJson = row.m as string;
  return {
    id: row.a as string,
    type: row.b as string,
    userId: row.c as string,
    projectId: row.d as string | null,
    tenantId: row.e as string | null,
    sessionId: row.f as string | null,
    agentId: row.g as string | null,
    aggregateType: row.h as string | null,
    aggregateId: row.i as string | null,
    workflowId: row.j as string | null,
    correlationId: row.k as string | null,
    source: row.l as string | null,
    payload: JSON.parse(payloadJson),
    payloadJson,
    errorCode: row.n as string | null,
    toolName: row.o as string | null,
    approvalStatus: row.p as string | null,
    routingKey: row.q as string | null,
    priority: row.r === null ? null : Number(row.r),
    occurredAt: new Date(Math.round(row.s as number)),
    createdAt: new Date(Math.round(row.t as number)),
    traceId: row.u as string | null,
    spanId: row.v as string | null,
  };
}
