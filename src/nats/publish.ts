import { JetStreamApiError } from '@nats-io/jetstream';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { describe } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import type { EventFailure } from '../sinks/failures.js';
import type { AckInbox } from './acks.js';
import { NatsError } from './errors.js';
import type { NatsMessage } from './message.js';

/** Message counters of a {@link NatsSink}. */
export interface NatsPublishCounters {
  /** Messages handed to the connection. */
  published: number;
  /** Messages JetStream confirmed as stored: acknowledged (duplicates included). */
  confirmed: number;
  /** Acknowledged messages JetStream had already stored within its duplicate window. */
  duplicates: number;
  /** Messages JetStream refused (an API error in the ack). */
  nacked: number;
  /** Messages not acknowledged within `ackTimeoutMs`. */
  timedOut: number;
  /** Messages whose ack was cut short by a lost connection or an aborted write. */
  lost: number;
}

/** Messages published and awaiting their acks, across batches. @internal */
export interface Awaiting {
  messages: number;
}

/** Counters at zero. @internal */
export function zeroPublishCounters(): NatsPublishCounters {
  return { published: 0, confirmed: 0, duplicates: 0, nacked: 0, timedOut: 0, lost: 0 };
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
 * all still waiting (connection lost, write aborted). Only the events are kept while the acks
 * are awaited: the messages (bodies, headers) can be collected once sent. @internal
 */
export function publishAll(
  target: PublishTarget,
  messages: readonly NatsMessage[],
  interrupted: Promise<unknown>,
  counters: NatsPublishCounters,
  awaiting: Awaiting,
): Promise<EventFailure[]> {
  const batch = new AwaitedAcks(target.acks, counters, awaiting);
  for (const message of messages) batch.publish(target.connection, message);
  return batch.settled(target.timeoutMs, interrupted);
}

/** The acks one {@link publishAll} waits for. */
class AwaitedAcks {
  readonly #acks: AckInbox;
  readonly #counters: NatsPublishCounters;
  readonly #awaiting: Awaiting;
  readonly #events: EventRecord[] = [];
  /** The reply subject of each message still waiting for its ack, undefined once settled. */
  readonly #replies: (string | undefined)[] = [];
  readonly #failures: EventFailure[] = [];
  #open = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #resolve: ((failures: EventFailure[]) => void) | undefined;

  constructor(acks: AckInbox, counters: NatsPublishCounters, awaiting: Awaiting) {
    this.#acks = acks;
    this.#counters = counters;
    this.#awaiting = awaiting;
  }

  publish(connection: NatsConnection, message: NatsMessage): void {
    const i = this.#events.push(message.event) - 1;
    const reply = this.#acks.expect((ack) => this.#acked(i, ack));
    try {
      connection.publish(message.subject, message.data, { reply, headers: message.headers });
      this.#counters.published += 1;
      this.#replies[i] = reply;
      this.#open += 1;
      this.#awaiting.messages += 1;
    } catch (error) {
      this.#acks.forget(reply);
      this.#counters.lost += 1;
      this.#failures.push({ event: message.event, error: toNatsError(error) });
    }
  }

  settled(timeoutMs: number, interrupted: Promise<unknown>): Promise<EventFailure[]> {
    return new Promise((resolve) => {
      this.#resolve = resolve;
      if (this.#open === 0) return this.#finish();
      this.#timer = setTimeout(() => this.#finish(), timeoutMs);
      void interrupted.then((error) => this.#finish({ error }));
    });
  }

  #acked(i: number, ack: Msg): void {
    if (this.#replies[i] === undefined) return;
    this.#replies[i] = undefined;
    this.#awaiting.messages -= 1;
    const error = ackError(ack, this.#counters);
    if (error) this.#failures.push({ event: this.#events[i] as EventRecord, error });
    if (--this.#open === 0) this.#finish();
  }

  /** Fails the messages still waiting (timed out, or `cut` short) and resolves. */
  #finish(cut?: { error: unknown }): void {
    clearTimeout(this.#timer);
    this.#replies.forEach((reply, i) => {
      if (reply === undefined) return;
      this.#awaiting.messages -= 1;
      this.#acks.forget(reply);
      if (cut) this.#counters.lost += 1;
      else this.#counters.timedOut += 1;
      const event = this.#events[i] as EventRecord;
      this.#failures.push({ event, error: cut ? cut.error : ackTimeout() });
    });
    this.#replies.length = 0;
    this.#resolve?.(this.#failures);
  }
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
  counters.confirmed += 1;
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
