import type { Options } from 'amqplib';
import { describe } from '../errors.js';
import { eventToJson } from '../event/serialize.js';
import { traceparentOf } from '../event/trace.js';
import type { EventRecord } from '../event/types.js';
import { RabbitMQError } from './errors.js';

/** How events become messages: the resolved `routingKey`, `priority` and `mandatory` options. */
export interface RabbitMQMessageMapping {
  /** The routing key of an event that has no `routingKey` of its own. */
  readonly routingKey: (event: EventRecord) => string;
  /** The priority of an event that has no `priority` of its own; none when undefined. */
  readonly priority: ((event: EventRecord) => number | null | undefined) | undefined;
  /** Whether messages are published as mandatory (unroutable ones come back). */
  readonly mandatory: boolean;
}

/** One event as it is published. */
export interface RabbitMQMessage {
  /** The event published. */
  readonly event: EventRecord;
  /** The routing key it is published with. */
  readonly routingKey: string;
  /** `eventToJson(event)` as UTF-8. */
  readonly content: Buffer;
  /** The AMQP properties: message id, type, timestamp, persistence, priority, headers. */
  readonly options: Options.Publish;
}

/** AMQP short strings (routing key, type, correlation id) hold at most 255 bytes. */
const MAX_SHORT_STRING_BYTES = 255;
/** Room for the header values: amqplib encodes all properties in a 64 KiB buffer. */
const MAX_HEADER_BYTES = 32 * 1024;

/**
 * The message of one event: a persistent JSON message whose `messageId` is the event id (the key
 * consumers deduplicate on), `type` the event type, `timestamp` when it happened (seconds, as
 * AMQP defines it), `correlationId` the event's, and headers `tenantId`, `userId`, `projectId`
 * and the W3C `traceparent` (of the event's trace context) where set. Throws a
 * {@link RabbitMQError} `RABBITMQ_BAD_MESSAGE` when the mapping functions give (or throw)
 * something unusable for this event, or when a field does not fit its AMQP property (a type or correlation id over 255 bytes, ids over 32 KiB as headers).
 */
export function toRabbitMQMessage(
  event: EventRecord,
  mapping: RabbitMQMessageMapping,
): RabbitMQMessage {
  const unfit = unfitField(event);
  if (unfit !== undefined) throw badMessage(event, unfit);
  const routingKey = event.routingKey ?? call(mapping.routingKey, event, 'routingKey');
  if (typeof routingKey !== 'string' || tooLong(routingKey, MAX_SHORT_STRING_BYTES)) {
    throw badMessage(
      event,
      `routing key ${JSON.stringify(routingKey)} is not a string of at most 255 bytes`,
    );
  }
  const priority =
    event.priority ?? (mapping.priority && call(mapping.priority, event, 'priority'));
  if (
    priority !== null &&
    priority !== undefined &&
    !(Number.isInteger(priority) && priority >= 0 && priority <= 255)
  ) {
    throw badMessage(event, `priority ${String(priority)} is not an integer 0–255`, routingKey);
  }
  const headers: Record<string, string> = { userId: event.userId };
  if (event.tenantId !== null) headers.tenantId = event.tenantId;
  if (event.projectId !== null) headers.projectId = event.projectId;
  const traceparent = traceparentOf(event);
  if (traceparent !== undefined) headers.traceparent = traceparent;
  const options: Options.Publish = {
    persistent: true,
    mandatory: mapping.mandatory,
    contentType: 'application/json',
    messageId: event.id,
    type: event.type,
    timestamp: Math.floor(event.occurredAt.getTime() / 1000),
    headers,
  };
  if (event.correlationId !== null) options.correlationId = event.correlationId;
  if (priority !== null && priority !== undefined) options.priority = priority;
  return { event, routingKey, content: Buffer.from(eventToJson(event)), options };
}

/** UTF-8 is at most 3 bytes per UTF-16 unit: short strings are never measured. */
function tooLong(value: string | null, maxBytes: number): boolean {
  return value !== null && value.length * 3 > maxBytes && Buffer.byteLength(value) > maxBytes;
}

function unfitField(event: EventRecord): string | undefined {
  if (tooLong(event.type, MAX_SHORT_STRING_BYTES)) return 'type is longer than 255 bytes';
  if (tooLong(event.correlationId, MAX_SHORT_STRING_BYTES)) {
    return 'correlationId is longer than 255 bytes';
  }
  const ids = `${event.userId}${event.tenantId ?? ''}${event.projectId ?? ''}`;
  if (tooLong(ids, MAX_HEADER_BYTES)) return 'userId, tenantId and projectId exceed 32 KiB';
  return undefined;
}

function call<T>(mapper: (event: EventRecord) => T, event: EventRecord, name: string): T {
  try {
    return mapper(event);
  } catch (error) {
    throw new RabbitMQError(
      'RABBITMQ_BAD_MESSAGE',
      `options.${name} threw for event ${event.id}: ${describe(error)}`,
      { cause: error },
    );
  }
}

function badMessage(event: EventRecord, problem: string, routingKey?: string): RabbitMQError {
  return new RabbitMQError('RABBITMQ_BAD_MESSAGE', `event ${event.id}: ${problem}`, { routingKey });
}
