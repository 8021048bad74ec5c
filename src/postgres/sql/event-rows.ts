import type { JsonObject } from '../../event/json.js';
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

/** 0001-01-01T00:00:00Z: earlier times have no ISO 8601 form COPY reads (JSON rows take them). */
const FIRST_COPY_TIME = -62_135_596_800_000;
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIALS = /[\\\t\n\r]/g;
const COPY_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
};

/** A field in COPY's text format: `\N` for NULL, with backslash, tab and line breaks escaped. */
function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return COPY_SPECIAL.test(value)
    ? value.replace(COPY_SPECIALS, (c) => COPY_ESCAPES[c] as string)
    : value;
}

/** The last time written, and its text: a batch's events mostly share their millisecond. */
let lastTime = Number.NaN;
let lastTimeText = '';

function copyTime(date: Date): string {
  const time = date.getTime();
  if (time !== lastTime) {
    lastTime = time;
    lastTimeText = date.toISOString();
  }
  return lastTimeText;
}

/** One event as a line of COPY text, in the column order of {@link envelopeInsert}. */
function rowCopy(e: EventRecord, traced: boolean): string {
  return `${e.id}\t${copyField(e.type)}\t${copyField(e.userId)}\t${copyField(e.projectId)}\t${copyField(
    e.tenantId,
  )}\t${copyField(e.sessionId)}\t${copyField(e.agentId)}\t${copyField(e.aggregateType)}\t${copyField(
    e.aggregateId,
  )}\t${copyField(e.workflowId)}\t${copyField(e.correlationId)}\t${copyField(e.source)}\t${copyField(
    e.payloadJson,
  )}\t${copyField(e.errorCode)}\t${copyField(e.toolName)}\t${copyField(e.approvalStatus)}\t${copyField(
    e.routingKey,
  )}\t${e.priority === null ? '\\N' : e.priority}\t${copyTime(e.occurredAt)}\t${copyTime(e.createdAt)}${
    traced ? `\t${copyField(e.traceId)}\t${copyField(e.spanId)}` : ''
  }\n`;
}

/**
 * The batch as the data of `COPY ... (columns of envelopeInsert(traced)) FROM STDIN` in text
 * format, or undefined when an event happened before the year 1 (then the JSON rows carry it).
 * @internal
 */
export function eventRowsCopy(batch: readonly EventRecord[], traced: boolean): string | undefined {
  let text = '';
  for (let i = 0; i < batch.length; i++) {
    const event = batch[i] as EventRecord;
    if (event.occurredAt.getTime() < FIRST_COPY_TIME) return undefined;
    text += rowCopy(event, traced);
  }
  return text;
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
  return recordOf(row, payloadJson, JSON.parse(payloadJson));
}

/**
 * The `EventRecord` of one element of {@link eventRowsJson} (the content of a WAL message): the
 * fields it leaves out are NULL, and the payload's JSON is the writer's, unchanged.
 * @internal
 */
export function eventFromRowJson(json: string): EventRecord {
  const parsed = JSON.parse(json) as Record<string, unknown>;
  const row = Object.fromEntries(COLUMNS.map(([, key]) => [key, parsed[key] ?? null]));
  return recordOf(row as EnvelopeRow, JSON.stringify(parsed.m), parsed.m as JsonObject);
}

function recordOf(row: EnvelopeRow, payloadJson: string, payload: JsonObject): EventRecord {
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
    payload,
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
