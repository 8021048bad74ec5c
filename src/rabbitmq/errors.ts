import { EventrailError } from '../errors.js';

/** Why a publish to RabbitMQ failed; the `code` of a {@link RabbitMQError}. */
export type RabbitMQErrorCode =
  /** Not connected: the connection is being (re)established, or attempts to reach the broker fail. */
  | 'RABBITMQ_UNAVAILABLE'
  /** The channel or connection closed before the broker confirmed these messages. */
  | 'RABBITMQ_CONNECTION_LOST'
  /** The broker blocked the connection (memory or disk alarm) for longer than `blockedTimeoutMs`. */
  | 'RABBITMQ_BLOCKED'
  /** The broker did not confirm these messages within `confirmTimeoutMs`. */
  | 'RABBITMQ_CONFIRM_TIMEOUT'
  /** The broker refused these messages (basic.nack), e.g. a queue full with `reject-publish`. */
  | 'RABBITMQ_NACKED'
  /** No queue is bound for the routing key, and the message was published as mandatory. */
  | 'RABBITMQ_UNROUTABLE'
  /** The `routingKey` or `priority` option gave an unusable value (or threw) for this event. */
  | 'RABBITMQ_BAD_MESSAGE'
  /**
   * The sink gave up reconnecting (`reconnect.retries`), or the connection passed in closed and
   * the sink cannot reopen it. (After `close()`, writes fail with `ClosedError`.)
   */
  | 'RABBITMQ_CLOSED';

/**
 * A publish to RabbitMQ that did not succeed. `code` says why; {@link classifyRabbitMQError}
 * says what the logger does about it. The driver's error, if any, is kept as `cause`.
 */
export class RabbitMQError extends EventrailError {
  declare readonly code: RabbitMQErrorCode;
  /** The routing key of the message, where one message is concerned (unroutable, bad message). */
  readonly routingKey: string | undefined;

  constructor(
    code: RabbitMQErrorCode,
    message: string,
    options?: { cause?: unknown; routingKey?: string },
  ) {
    super(code, message, options);
    this.routingKey = options?.routingKey;
  }
}
