import type { Options } from 'amqplib';
import { describe } from '../errors.js';
import { eventToJson } from '../event/serialize.js';
import type { EventRecord } from '../event/types.js';
import { RabbitMQError } from './errors.js';

/** How events become messages: the resolved `routingKey`, `priority` and `mandatory` options. */
export interface MessageMapping {
  readonly routingKey: (event: EventRecord) => string;
  readonly priority: ((event: EventRecord) => number | null | undefined) | undefined;
  readonly mandatory: boolean;
}

/** One event as it is published. */
export interface OutgoingMessage {
  readonly event: EventRecord;
  readonly routingKey: string;
  /** `eventToJson(event)` as UTF-8. */
  readonly content: Buffer;
  readonly options: Options.Publish;
}

/** AMQP short strings (routing keys) hold at most 255 bytes. */
const MAX_SHORT_STRING_BYTES = 255;

/**
 * The message of one event: a persistent JSON message whose `messageId` is the event id (the key
 * consumers deduplicate on), `type` the event type, `timestamp` when it happened (seconds, as
 * AMQP defines it), `correlationId` the event's, and headers `tenantId`, `userId`, `projectId`
 * where set. Throws a {@link RabbitMQError} `RABBITMQ_BAD_MESSAGE` when the mapping functions
 * give (or throw) something unusable for this event.
 */
export function toMessage(event: EventRecord, mapping: MessageMapping): OutgoingMessage {
  const routingKey = event.routingKey ?? call(mapping.routingKey, event, 'routingKey');
  if (typeof routingKey !== 'string' || Buffer.byteLength(routingKey) > MAX_SHORT_STRING_BYTES) {
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
