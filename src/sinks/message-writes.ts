import type { EventRecord } from '../event/types.js';
import { type EventFailure, throwFailures } from './failures.js';
import type { SinkErrorKind } from './sink.js';

/** How a broker sink turns a batch into messages and publishes them. @internal */
export interface MessageWrite<M extends { readonly event: EventRecord }> {
  /** The message of one event; throws for an event that cannot be one (it fails alone). */
  readonly toMessage: (event: EventRecord) => M;
  /**
   * Publishes the messages together; resolves with those the broker did not take. Best kept
   * from holding a message once it is sent: a batch's bodies and headers kept while the broker's
   * answers are awaited outlive the young generation, which makes each one cost far more to
   * collect.
   */
  readonly publish: (messages: M[]) => Promise<EventFailure[]>;
  readonly classify: (error: unknown) => SinkErrorKind;
  /** The sink's publishes in flight, which its `close()` waits for. */
  readonly inFlight: Set<Promise<unknown>>;
}

/**
 * A broker sink's write of `batch`: each event mapped to its message, the messages published as
 * one piece of work (tracked in `inFlight` until it settles), and whatever failed, in the
 * mapping or the publish, thrown as {@link throwFailures} does. @internal
 */
export async function writeMessages<M extends { readonly event: EventRecord }>(
  batch: readonly EventRecord[],
  write: MessageWrite<M>,
): Promise<void> {
  const failures: EventFailure[] = [];
  const work = startPublish(batch, write, failures);
  if (work !== undefined) {
    write.inFlight.add(work);
    try {
      failures.push(...(await work));
    } finally {
      write.inFlight.delete(work);
    }
  }
  throwFailures(batch, failures, write.classify);
}

/**
 * Maps `batch` (the events that cannot be mapped go to `failures`) and hands the messages to
 * `write.publish`. Apart from the write that waits for the broker, so that nothing there keeps
 * the messages (bodies, headers) once the publish has sent them.
 */
function startPublish<M extends { readonly event: EventRecord }>(
  batch: readonly EventRecord[],
  write: MessageWrite<M>,
  failures: EventFailure[],
): Promise<EventFailure[]> | undefined {
  const messages: M[] = [];
  for (const event of batch) {
    try {
      messages.push(write.toMessage(event));
    } catch (error) {
      failures.push({ event, error });
    }
  }
  return messages.length > 0 ? write.publish(messages) : undefined;
}
