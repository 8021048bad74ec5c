import { ValidationError } from '../errors.js';
import { defineOptions } from '../options/schema.js';
import { integer, type Spec } from '../options/spec.js';
import { checkString, isStorable, type JsonObject, serializePayload } from './json.js';
import { captureTrace } from './trace.js';
import type { EventInput, EventRecord } from './types.js';
import { isUuid, uuidv7 } from './uuid.js';

/** Options of {@link normalizeEvent}. */
export interface NormalizeOptions {
  /** Largest payload accepted, in bytes of serialized JSON (UTF-8). @default 262144 (256 KiB) */
  readonly maxPayloadBytes?: number;
}

/** {@link NormalizeOptions} resolved: the limits the hot path is given once. @internal */
export type NormalizeLimits = Required<NormalizeOptions>;

/** The default payload limit: 256 KiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024;

/** The `maxPayloadBytes` option of {@link normalizeEvent}, the logger and the outbox writer. @internal */
export function maxPayloadBytesSpec(): Spec<number> {
  return integer({ min: 2 }).default(DEFAULT_MAX_PAYLOAD_BYTES, '262144 (256 KiB)');
}

const normalizeOptions = defineOptions<NormalizeOptions>()('NormalizeOptions', {
  maxPayloadBytes: maxPayloadBytesSpec(),
});

const EMPTY_PAYLOAD: JsonObject = Object.freeze({}) as JsonObject;
const MAX_ROUTING_KEY = 255;
/** Postgres' earliest timestamptz, 4713-11-24 BC. */
const MIN_POSTGRES_TIME = -210_866_803_200_000;
/**
 * 9999-12-31T23:59:59.999Z: later times lose milliseconds on their way to Postgres (they travel
 * as float8 seconds) and have no ISO 8601 form without an extended year.
 */
const MAX_TIME = 253_402_300_799_999;

/**
 * Validates an {@link EventInput} and builds the {@link EventRecord} that sinks receive, as the
 * logger does: a sink's own tests can write records without a logger. Throws a
 * {@link ValidationError} naming the first bad field (or option).
 */
export function normalizeEvent(input: EventInput, options?: NormalizeOptions): EventRecord {
  return toEventRecord(input, normalizeOptions.resolve(options));
}

/**
 * {@link normalizeEvent} with its options resolved once by the caller (the logger, the outbox
 * writer), so that nothing is resolved per event. `prefix` is put before field names (`[3].userId`
 * when validating the fourth event of a list). Whatever the input throws while it is read (a
 * getter, a proxy trap) becomes a ValidationError too: nothing else escapes. @internal
 */
export function toEventRecord(
  input: EventInput,
  limits: NormalizeLimits,
  prefix = '',
): EventRecord {
  if (typeof input !== 'object' || input === null) {
    throw new ValidationError(prefix || 'event', 'VALIDATION_TYPE', 'must be an object');
  }
  try {
    return assemble(input, limits, prefix);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(
      prefix || 'event',
      'VALIDATION_UNREADABLE',
      'threw while being read (a getter or proxy)',
      { cause: error },
    );
  }
}

/** The one place where the fields of a record are read from the input and put together. */
function assemble(input: EventInput, limits: NormalizeLimits, prefix: string): EventRecord {
  const now = Date.now();
  const type = required(input.type, prefix, 'type');
  const userId = required(input.userId, prefix, 'userId');
  const payload = input.payload ?? EMPTY_PAYLOAD;
  const payloadField = prefix === '' ? 'payload' : `${prefix}payload`;
  if (typeof payload !== 'object' || payload === null) {
    throw new ValidationError(payloadField, 'VALIDATION_TYPE', 'must be a plain JSON object');
  }
  const payloadJson = payload === EMPTY_PAYLOAD ? '{}' : serializePayload(payload, payloadField);
  if (payloadJson.length * 3 > limits.maxPayloadBytes) {
    const bytes = Buffer.byteLength(payloadJson);
    if (bytes > limits.maxPayloadBytes) {
      throw new ValidationError(
        payloadField,
        'VALIDATION_TOO_LARGE',
        `is ${bytes} bytes as JSON; the limit (maxPayloadBytes) is ${limits.maxPayloadBytes}`,
      );
    }
  }
  const createdAt = new Date(now);
  const trace = captureTrace();
  return {
    id: input.id === undefined ? uuidv7(now) : eventId(input.id, prefix),
    type,
    userId,
    projectId: optional(input.projectId, prefix, 'projectId'),
    tenantId: optional(input.tenantId, prefix, 'tenantId'),
    sessionId: optional(input.sessionId, prefix, 'sessionId'),
    agentId: optional(input.agentId, prefix, 'agentId'),
    aggregateType: optional(input.aggregateType, prefix, 'aggregateType'),
    aggregateId: optional(input.aggregateId, prefix, 'aggregateId'),
    workflowId: optional(input.workflowId, prefix, 'workflowId'),
    correlationId: optional(input.correlationId, prefix, 'correlationId'),
    source: optional(input.source, prefix, 'source'),
    payload: payload as JsonObject,
    payloadJson,
    errorCode:
      optional(input.errorCode, prefix, 'errorCode') ??
      (isKind(type, 'ERROR', true) ? fromPayload(payload, 'error_code', 'errorCode') : null),
    toolName:
      optional(input.toolName, prefix, 'toolName') ??
      (isKind(type, 'TOOL_', false) ? fromPayload(payload, 'tool_name', 'toolName') : null),
    approvalStatus:
      optional(input.approvalStatus, prefix, 'approvalStatus') ??
      (isKind(type, 'APPROVAL_', false)
        ? fromPayload(payload, 'approval_status', 'approvalStatus')
        : null),
    routingKey: routingKey(input.routingKey, prefix),
    priority: priority(input.priority, prefix),
    occurredAt:
      input.occurredAt === undefined ? createdAt : toDate(input.occurredAt, `${prefix}occurredAt`),
    createdAt,
    traceId: trace === undefined ? null : trace.traceId,
    spanId: trace === undefined ? null : trace.spanId,
  };
}

/**
 * A required, non-empty string without `\u0000` or a lone surrogate; throws a {@link ValidationError} naming
 * `prefix + name` otherwise. @internal
 */
export function required(value: unknown, prefix: string, name: string): string {
  if (typeof value !== 'string') {
    const code = value === undefined || value === null ? 'VALIDATION_REQUIRED' : 'VALIDATION_TYPE';
    throw new ValidationError(prefix + name, code, 'is required and must be a non-empty string');
  }
  if (value.length === 0) {
    throw new ValidationError(prefix + name, 'VALIDATION_REQUIRED', 'must not be empty');
  }
  if (!isStorable(value)) throw checkString(value, prefix + name);
  return value;
}

/** An optional string field; small enough to be inlined at each of its many call sites. */
function optional(value: unknown, prefix: string, name: string): string | null {
  return value === undefined || value === null ? null : present(value, prefix, name);
}

function present(value: unknown, prefix: string, name: string): string {
  if (typeof value !== 'string') {
    throw new ValidationError(prefix + name, 'VALIDATION_TYPE', 'must be a string or null');
  }
  if (!isStorable(value)) throw checkString(value, prefix + name);
  return value;
}

function eventId(value: unknown, prefix: string): string {
  if (typeof value !== 'string' || !isUuid(value)) {
    throw new ValidationError(`${prefix}id`, 'VALIDATION_RANGE', 'must be a UUID');
  }
  return value.toLowerCase();
}

/**
 * Whether `type` is `marker` (exact) or starts with it, ignoring the case of ASCII letters (the
 * markers' only letters, and all that `toUpperCase` maps onto them); allocates nothing.
 */
function isKind(type: string, marker: string, exact: boolean): boolean {
  const length = marker.length;
  if (type.length < length || (exact && type.length !== length)) return false;
  for (let i = 0; i < length; i++) {
    const c = type.charCodeAt(i);
    const m = marker.charCodeAt(i);
    if (c !== m && !(m >= 0x41 && m <= 0x5a && c === m + 0x20)) return false;
  }
  return true;
}

function fromPayload(payload: object, snake: string, camel: string): string | null {
  const bag = payload as Record<string, unknown>;
  const value = bag[snake] ?? bag[camel];
  if (typeof value === 'string') return isStorable(value) ? value : null;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function routingKey(value: unknown, prefix: string): string | null {
  const key = optional(value, prefix, 'routingKey');
  if (key !== null && key.length > MAX_ROUTING_KEY) {
    throw new ValidationError(
      `${prefix}routingKey`,
      'VALIDATION_RANGE',
      `is ${key.length} characters; AMQP allows ${MAX_ROUTING_KEY}`,
    );
  }
  return key;
}

function priority(value: unknown, prefix: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
    throw new ValidationError(`${prefix}priority`, 'VALIDATION_RANGE', 'must be an integer 0–255');
  }
  // -0 passes the checks; the record holds 0, as Postgres stores it.
  return value === 0 ? 0 : value;
}

/** The time of a Date, also of one from another realm; throws for anything else. */
const getTime = Date.prototype.getTime;

/**
 * A point in time given as a Date, an ISO 8601 string or epoch milliseconds, that Postgres can
 * store; throws a {@link ValidationError} naming `field` otherwise. @internal
 */
export function toDate(value: unknown, field: string): Date {
  let time = Number.NaN;
  if (typeof value === 'string' || typeof value === 'number') time = new Date(value).getTime();
  else if (typeof value === 'object' && value !== null) {
    try {
      time = getTime.call(value); // the brand check: only a real Date answers
    } catch {}
  }
  if (Number.isNaN(time)) {
    throw new ValidationError(
      field,
      'VALIDATION_TYPE',
      'must be a valid Date, ISO 8601 string or epoch milliseconds',
    );
  }
  if (time < MIN_POSTGRES_TIME) {
    throw new ValidationError(field, 'VALIDATION_RANGE', 'is before 4713 BC');
  }
  if (time > MAX_TIME) {
    throw new ValidationError(field, 'VALIDATION_RANGE', 'is after the year 9999');
  }
  return new Date(time);
}
