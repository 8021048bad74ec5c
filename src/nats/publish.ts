import { JetStreamApiError } from '@nats-io/jetstream';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { describe } from '../errors.js';
import type { EventFailure } from '../sinks/failures.js';
import type { AckInbox } from './acks.js';
import { NatsError } from './errors.js';
import type { NatsMessage } from './message.js';

/** Message counters of a {@link NatsSink}. */
export interface NatsPublishCounters {
  /** Messages handed to the connection. */
  published: number;
  /** Messages JetStream acknowledged as stored (duplicates included). */
  acked: number;
  /** Acknowledged messages JetStream had already stored within its duplicate window. */
  duplicates: number;
  /** Messages JetStream refused (an API error in the ack). */
  nacked: number;
  /** Messages not acknowledged within `ackTimeoutMs`. */
  timedOut: number;
  /** Messages whose ack was cut short by a lost connection or an aborted write. */
  lost: number;
}

/** Counters at zero. @internal */
export function zeroPublishCounters(): NatsPublishCounters {
  return { published: 0, acked: 0, duplicates: 0, nacked: 0, timedOut: 0, lost: 0 };
}

/** Where one batch is published and how long its acks may take. @internal */
export interface PublishTarget {
  readonly connection: NatsConnection;
  readonly acks: AckInbox;
  readonly timeoutMs: number;
}

/**
 * Publishes every message at once, each with its own reply subject, and waits for their acks
 * together (one round trip for the batch, not one per message), at most `timeoutMs`. A message
 * whose ack is a refusal or does not come fails alone; `interrupted` settles with the error of
 * all still waiting (connection lost, write aborted). @internal
 */
export function publishAll(
  target: PublishTarget,
  messages: readonly NatsMessage[],
  interrupted: Promise<unknown>,
  counters: NatsPublishCounters,
): Promise<EventFailure[]> {
  const { connection, acks, timeoutMs } = target;
  const failures: EventFailure[] = [];
  /** The reply subject of each message still waiting for its ack, undefined once settled. */
  const replies: (string | undefined)[] = new Array(messages.length);
  let open = 0;
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = (cut?: { error: unknown }) => {
      clearTimeout(timer);
      replies.forEach((reply, i) => {
        if (reply === undefined) return;
        acks.forget(reply);
        if (cut) counters.lost += 1;
        else counters.timedOut += 1;
        const event = (messages[i] as NatsMessage).event;
        failures.push({ event, error: cut ? cut.error : ackTimeout() });
      });
      replies.length = 0;
      resolve(failures);
    };
    messages.forEach((m, i) => {
      const reply = acks.expect((ack) => {
        if (replies[i] === undefined) return;
        replies[i] = undefined;
        const error = ackError(ack, counters);
        if (error) failures.push({ event: m.event, error });
        if (--open === 0) finish();
      });
      try {
        connection.publish(m.subject, m.data, { reply, headers: m.headers });
        counters.published += 1;
        replies[i] = reply;
        open += 1;
      } catch (error) {
        acks.forget(reply);
        counters.lost += 1;
        failures.push({ event: m.event, error: toNatsError(error) });
      }
    });
    if (open === 0) return finish();
    timer = setTimeout(finish, timeoutMs);
    void interrupted.then((error) => finish({ error }));
  });
}

/** What an ack says: undefined when the message is stored (counted), else why not. */
function ackError(ack: Msg, counters: NatsPublishCounters): NatsError | undefined {
  if (ack.headers?.code === 503) {
    counters.lost += 1;
    return new NatsError('NATS_NO_RESPONDERS', 'no JetStream stream answered');
  }
  let body: { error?: { description?: string; err_code?: number }; duplicate?: boolean };
  try {
    body = ack.json();
  } catch (error) {
    body = { error: { description: `unreadable ack: ${describe(error)}` } };
  }
  if (body.error !== undefined || ack.headers?.hasError) {
    counters.nacked += 1;
    const why = body.error?.description ?? ack.headers?.description ?? 'no reason given';
    return new NatsError('NATS_NACKED', `JetStream refused the message: ${why}`, {
      cause: body.error,
    });
  }
  counters.acked += 1;
  if (body.duplicate) counters.duplicates += 1;
  return undefined;
}

function ackTimeout(): NatsError {
  return new NatsError('NATS_ACK_TIMEOUT', 'JetStream did not acknowledge in time');
}

/** A client error (a failed publish, stream check or connection) as a {@link NatsError}. @internal */
export function toNatsError(error: unknown): NatsError {
  if (error instanceof NatsError) return error;
  const name = (error as Error | null)?.name;
  const options = { cause: error };
  if (error instanceof JetStreamApiError) {
    return new NatsError(
      'NATS_NACKED',
      `JetStream refused the message: ${describe(error)}`,
      options,
    );
  }
  if (name === 'TimeoutError') {
    return new NatsError('NATS_ACK_TIMEOUT', 'JetStream did not acknowledge in time', options);
  }
  if (name === 'JetStreamNotEnabled' || name === 'NoRespondersError') {
    return new NatsError('NATS_NO_RESPONDERS', 'no JetStream stream answered', options);
  }
  return new NatsError('NATS_CONNECTION_LOST', `publish failed: ${describe(error)}`, options);
}
