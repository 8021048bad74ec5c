import { type MsgHdrs, headers as natsHeaders } from '@nats-io/transport-node';
import { describe } from '../errors.js';
import { eventToJson } from '../event/serialize.js';
import { traceparentOf } from '../event/trace.js';
import type { EventRecord } from '../event/types.js';
import { NatsError } from './errors.js';
import { subjectMatches, subjectProblem } from './subjects.js';

/** How events become messages: the resolved `subject` option and the stream's subjects. */
export interface NatsMessageMapping {
  /** The subject of an event that has no `routingKey` of its own. */
  readonly subject: (event: EventRecord) => string;
  /** The stream's subjects; a message outside them fails as `NATS_UNROUTABLE`. */
  readonly streamSubjects: readonly string[];
}

/** One event as it is published. */
export interface NatsMessage {
  /** The event published. */
  readonly event: EventRecord;
  /** The subject it is published on. */
  readonly subject: string;
  /** `eventToJson(event)` as UTF-8. */
  readonly data: Uint8Array;
  /** `Nats-Msg-Id` and {@link NATS_HEADERS}. */
  readonly headers: MsgHdrs;
}

/** The header names the sink sets (besides `Nats-Msg-Id`, which is the event id). */
export const NATS_HEADERS = Object.freeze({
  /** The event type. */
  type: 'Eventrail-Type',
  /** The event's `userId`. */
  userId: 'Eventrail-User-Id',
  /** The event's `tenantId`, when set. */
  tenantId: 'Eventrail-Tenant-Id',
  /** The event's `correlationId`, when set. */
  correlationId: 'Eventrail-Correlation-Id',
  /** The W3C trace context of the event's span, when it has one. */
  traceparent: 'traceparent',
});

/** JetStream drops a message whose id it stored within the stream's duplicate window. */
const MSG_ID = 'Nats-Msg-Id';

/**
 * The message of one event: its JSON on the subject from the event's `routingKey` or the
 * `subject` option, `Nats-Msg-Id` = event id (JetStream drops a copy within the stream's
 * duplicate window), headers {@link NATS_HEADERS} where set. Throws a {@link NatsError}
 * `NATS_BAD_MESSAGE` for an unusable subject or header value, `NATS_UNROUTABLE` for a subject
 * outside the stream's subjects.
 */
export function toNatsMessage(event: EventRecord, mapping: NatsMessageMapping): NatsMessage {
  const subject = event.routingKey ?? subjectOf(event, mapping);
  const problem = verdicts(mapping).get(subject) ?? judge(subject, mapping);
  if (problem !== OK) {
    throw new NatsError(
      problem.code,
      `event ${event.id}: subject ${JSON.stringify(subject)} ${problem.why}`,
      {
        subject,
      },
    );
  }
  const headers = natsHeaders();
  headers.append(MSG_ID, event.id);
  append(headers, NATS_HEADERS.type, event.type, event, subject);
  append(headers, NATS_HEADERS.userId, event.userId, event, subject);
  append(headers, NATS_HEADERS.tenantId, event.tenantId, event, subject);
  append(headers, NATS_HEADERS.correlationId, event.correlationId, event, subject);
  append(headers, NATS_HEADERS.traceparent, traceparentOf(event), event, subject);
  return { event, subject, data: Buffer.from(eventToJson(event)), headers };
}

/** Appends a header that is set; an unusable value fails the event as `NATS_BAD_MESSAGE`. */
function append(
  headers: MsgHdrs,
  name: string,
  value: string | null | undefined,
  event: EventRecord,
  subject: string,
): void {
  if (value === null || value === undefined) return;
  try {
    headers.append(name, value);
  } catch (error) {
    throw new NatsError('NATS_BAD_MESSAGE', `event ${event.id}: ${name}: ${describe(error)}`, {
      cause: error,
      subject,
    });
  }
}

/** Why a subject cannot be published, or OK. */
type Verdict =
  | typeof OK
  | { readonly code: 'NATS_BAD_MESSAGE' | 'NATS_UNROUTABLE'; readonly why: string };
const OK = 'ok';
/** Subjects remembered per mapping: events share a few subjects, each is checked once. */
const MAX_VERDICTS = 1024;
const cache = new WeakMap<NatsMessageMapping, Map<string, Verdict>>();

function verdicts(mapping: NatsMessageMapping): Map<string, Verdict> {
  let known = cache.get(mapping);
  if (known === undefined) {
    known = new Map();
    cache.set(mapping, known);
  }
  return known;
}

function judge(subject: string, mapping: NatsMessageMapping): Verdict {
  const problem = subjectProblem(subject, false);
  const verdict: Verdict =
    problem !== undefined
      ? { code: 'NATS_BAD_MESSAGE', why: problem }
      : mapping.streamSubjects.some((pattern) => subjectMatches(subject, pattern))
        ? OK
        : { code: 'NATS_UNROUTABLE', why: "is not among the stream's subjects" };
  const known = verdicts(mapping);
  if (typeof subject === 'string') {
    if (known.size >= MAX_VERDICTS) known.clear();
    known.set(subject, verdict);
  }
  return verdict;
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
