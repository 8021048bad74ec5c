import { JetStreamApiError, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import { describe } from '../errors.js';
import type { EventFailure } from '../sinks/failures.js';
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

/**
 * Publishes every message at once and awaits their acks together (one round trip for the
 * batch, not one per message). A message whose ack does not come fails alone; `interrupted`
 * settles with the error of all still waiting (connection lost, write aborted). @internal
 */
export async function publishAll(
  js: JetStreamClient,
  messages: readonly NatsMessage[],
  interrupted: Promise<unknown>,
  counters: NatsPublishCounters,
): Promise<EventFailure[]> {
  const cut = interrupted.then((error) => ({ cut: error }));
  const outcomes = await Promise.all(
    messages.map((m) => {
      counters.published += 1;
      const ack = js.publish(m.subject, m.data, m.options).then(
        (value: PubAck) => ({ ack: value }),
        (error: unknown) => ({ error }),
      );
      return Promise.race([ack, cut]);
    }),
  );
  const failures: EventFailure[] = [];
  outcomes.forEach((outcome, i) => {
    const event = (messages[i] as NatsMessage).event;
    if ('ack' in outcome) {
      counters.acked += 1;
      if (outcome.ack.duplicate) counters.duplicates += 1;
    } else if ('cut' in outcome) {
      counters.lost += 1;
      failures.push({ event, error: outcome.cut });
    } else {
      const error = toNatsError(outcome.error);
      if (error.code === 'NATS_ACK_TIMEOUT') counters.timedOut += 1;
      else if (error.code === 'NATS_NACKED') counters.nacked += 1;
      else counters.lost += 1;
      failures.push({ event, error });
    }
  });
  return failures;
}

/** The client's error of one publish as a {@link NatsError}. @internal */
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
