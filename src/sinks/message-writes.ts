import type { EventRecord } from '../event/types.js';
import { type EventFailure, throwFailures } from './failures.js';
import type { SinkErrorKind } from './sink.js';

/** How a broker sink turns a batch into messages and publishes them. @internal */
export interface MessageWrite<M extends { readonly event: EventRecord }> {
  /** The message of one event; throws for an event that cannot be one (it fails alone). */
  readonly toMessage: (event: EventRecord) => M;
  /** Publishes the messages together; resolves with those the broker did not take. */
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
  const messages: M[] = [];
  const failures: EventFailure[] = [];
  for (const event of batch) {
    try {
      messages.push(write.toMessage(event));
    } catch (error) {
      failures.push({ event, error });
    }
  }
  if (messages.length > 0) {
    const work = write.publish(messages);
    write.inFlight.add(work);
    try {
      failures.push(...(await work));
    } finally {
      write.inFlight.delete(work);
    }
  }
  throwFailures(batch, failures, write.classify);
}
