import {
  createInbox,
  type Msg,
  type NatsConnection,
  type Subscription,
} from '@nats-io/transport-node';

/**
 * Where JetStream's acks come back: one subscription on `<inbox>.*` per connection, and one
 * reply subject `<inbox>.<n>` per published message. Publishing with a reply subject of our own
 * costs no timer and no promise per message (the client's request does both), so a batch needs
 * one timer for all its acks. @internal
 */
export class AckInbox {
  readonly #prefix: string;
  readonly #waiting = new Map<string, (reply: Msg) => void>();
  readonly #subscription: Subscription;
  #next = 0;

  constructor(connection: NatsConnection) {
    this.#prefix = createInbox(inboxPrefixOf(connection));
    this.#subscription = connection.subscribe(`${this.#prefix}.*`, {
      callback: (error, reply) => {
        if (error) return;
        const receive = this.#waiting.get(reply.subject);
        if (receive === undefined) return;
        this.#waiting.delete(reply.subject);
        receive(reply);
      },
    });
  }

  /** A new reply subject; `receive` gets its first reply, unless it is forgotten before. */
  expect(receive: (reply: Msg) => void): string {
    const subject = `${this.#prefix}.${this.#next++}`;
    this.#waiting.set(subject, receive);
    return subject;
  }

  /** Stops waiting for a reply to `subject` (a late ack is then ignored). */
  forget(subject: string): void {
    this.#waiting.delete(subject);
  }

  /** Ends the subscription (on a connection that is still open). */
  close(): void {
    this.#waiting.clear();
    if (!this.#subscription.isClosed()) this.#subscription.unsubscribe();
  }
}

/**
 * The `inboxPrefix` the connection was opened with (the client's own requests use it too, so a
 * host whose permissions allow only that prefix keeps working); the interface does not expose it.
 */
function inboxPrefixOf(connection: NatsConnection): string | undefined {
  return (connection as { options?: { inboxPrefix?: string } }).options?.inboxPrefix;
}
