import { EventrailError } from '../errors.js';

/** Why a publish to NATS JetStream failed; the `code` of a {@link NatsError}. */
export type NatsErrorCode =
  /** Not connected: the connection is being (re)established, or attempts to reach NATS fail. */
  | 'NATS_UNAVAILABLE'
  /** The connection dropped before JetStream acknowledged these messages. */
  | 'NATS_CONNECTION_LOST'
  /** JetStream did not acknowledge these messages within `ackTimeoutMs`. */
  | 'NATS_ACK_TIMEOUT'
  /** JetStream refused these messages (an API error in the ack, e.g. a full stream). */
  | 'NATS_NACKED'
  /** Nobody answered the publish: JetStream is not (yet) serving the stream, e.g. after a restart. */
  | 'NATS_NO_RESPONDERS'
  /** The message's subject is not one of the stream's subjects, so no stream would store it. */
  | 'NATS_UNROUTABLE'
  /** The `subject` option gave an unusable subject (or threw), or a header value is unusable. */
  | 'NATS_BAD_MESSAGE'
  /** The stream is missing (`assertStream: false`) or cannot be created or does not fit. */
  | 'NATS_STREAM'
  /**
   * The sink gave up reconnecting (`reconnect.retries`), or the connection passed in closed and
   * the sink cannot reopen it. (After `close()`, writes fail with `ClosedError`.)
   */
  | 'NATS_CLOSED';

/**
 * A publish to NATS JetStream that did not succeed. `code` says why; {@link classifyNatsError}
 * says what the logger does about it. The client's error, if any, is kept as `cause`.
 */
export class NatsError extends EventrailError {
  declare readonly code: NatsErrorCode;
  /** The subject of the message, where one message is concerned (unroutable, bad message). */
  readonly subject: string | undefined;

  constructor(
    code: NatsErrorCode,
    message: string,
    options?: { cause?: unknown; subject?: string },
  ) {
    super(code, message, options);
    this.subject = options?.subject;
  }
}
