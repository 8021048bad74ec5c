import type { JetStreamPublishOptions } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { describe } from '../errors.js';
import { eventToJson } from '../event/serialize.js';
import type { EventRecord } from '../event/types.js';
import { NatsError } from './errors.js';
import { subjectMatches, subjectProblem } from './subjects.js';

/** How events become messages: the resolved `subject` option and the stream's subjects. */
export interface NatsMessageMapping {
  readonly subject: (event: EventRecord) => string;
  /** The stream's subjects; a message outside them fails as `NATS_UNROUTABLE`. */
  readonly streamSubjects: readonly string[];
  /** `ackTimeoutMs` */
  readonly timeout: number;
}

/** One event as it is published. */
export interface NatsMessage {
  readonly event: EventRecord;
  readonly subject: string;
  /** `eventToJson(event)` as UTF-8. */
  readonly data: Uint8Array;
  readonly options: Partial<JetStreamPublishOptions>;
}

/** The header names the sink sets (besides `Nats-Msg-Id`, which is the event id). */
export const NATS_HEADERS = Object.freeze({
  type: 'Eventrail-Type',
  userId: 'Eventrail-User-Id',
  tenantId: 'Eventrail-Tenant-Id',
  correlationId: 'Eventrail-Correlation-Id',
  traceparent: 'traceparent',
});

/**
 * The W3C `traceparent` of an event, if it carries trace context. Events carry none yet; this is
 * the one place that reads it once they do (a `traceparent` field on the record).
 */
function traceparentOf(event: EventRecord): string | undefined {
  const carrier = event as EventRecord & { readonly traceparent?: string | null };
  return carrier.traceparent ?? undefined;
}

/**
 * The message of one event: its JSON on the subject from the event's `routingKey` or the
 * `subject` option, `Nats-Msg-Id` = event id (JetStream drops a copy within the stream's
 * duplicate window), headers {@link NATS_HEADERS} where set. Throws a {@link NatsError}
 * `NATS_BAD_MESSAGE` for an unusable subject or header value, `NATS_UNROUTABLE` for a subject
 * outside the stream's subjects.
 */
export function toNatsMessage(event: EventRecord, mapping: NatsMessageMapping): NatsMessage {
  const subject = event.routingKey ?? subjectOf(event, mapping);
  const problem = subjectProblem(subject, false);
  if (problem !== undefined) {
    throw new NatsError(
      'NATS_BAD_MESSAGE',
      `event ${event.id}: subject ${JSON.stringify(subject)} ${problem}`,
    );
  }
  if (!mapping.streamSubjects.some((pattern) => subjectMatches(subject, pattern))) {
    throw new NatsError(
      'NATS_UNROUTABLE',
      `event ${event.id}: subject "${subject}" is not among the stream's subjects`,
      { subject },
    );
  }
  const values: [string, string | null | undefined][] = [
    [NATS_HEADERS.type, event.type],
    [NATS_HEADERS.userId, event.userId],
    [NATS_HEADERS.tenantId, event.tenantId],
    [NATS_HEADERS.correlationId, event.correlationId],
    [NATS_HEADERS.traceparent, traceparentOf(event)],
  ];
  const headers = natsHeaders();
  for (const [name, value] of values) {
    if (value === null || value === undefined) continue;
    if (/[\r\n]/.test(value)) {
      throw new NatsError('NATS_BAD_MESSAGE', `event ${event.id}: ${name} contains a line break`, {
        subject,
      });
    }
    headers.set(name, value);
  }
  return {
    event,
    subject,
    data: Buffer.from(eventToJson(event)),
    options: { msgID: event.id, headers, timeout: mapping.timeout },
  };
}

function subjectOf(event: EventRecord, mapping: NatsMessageMapping): string {
  try {
    return mapping.subject(event);
  } catch (error) {
    throw new NatsError(
      'NATS_BAD_MESSAGE',
      `options.subject threw for event ${event.id}: ${describe(error)}`,
      { cause: error },
    );
  }
}
