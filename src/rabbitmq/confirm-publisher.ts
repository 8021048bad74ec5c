import type { ConfirmChannel, Message } from 'amqplib';
import type { EventRecord } from '../event/types.js';
import { RabbitMQError } from './errors.js';
import type { RabbitMQMessage } from './message.js';

/** One event the broker did not take, and why. */
export interface PublishFailure {
  readonly event: EventRecord;
  readonly error: RabbitMQError;
}

/** Message counters of a sink, across its channels and connections. */
export interface RabbitMQPublishCounters {
  /** Messages handed to the broker (a retried event counts again). */
  published: number;
  /** Messages the broker confirmed (and did not return). */
  confirmed: number;
  /** Messages the broker refused (basic.nack). */
  nacked: number;
  /** Mandatory messages the broker returned as unroutable. */
  returned: number;
  /**
   * Messages whose confirm never came: the channel closed first, `confirmTimeoutMs` passed, or
   * the write stopped waiting (its write timeout, the close deadline).
   */
  unconfirmed: number;
}

/** Messages published and not yet confirmed, nacked, returned or given up, across channels. @internal */
export interface Awaiting {
  messages: number;
}

/** A batch awaiting confirms: where a `basic.return` for one of its messages is recorded. */
interface AwaitingBatch {
  returned(id: string, error: RabbitMQError): void;
}

/**
 * Publishes batches on one confirm channel. A batch is published whole, then its confirms are
 * awaited together: one round trip per batch, however many writes share the channel. The broker
 * sends `basic.return` for an unroutable mandatory message before its ack, so by the time the
 * last confirm of a batch arrives, every return for it has been seen.
 * @internal
 */
export class ConfirmPublisher {
  readonly channel: ConfirmChannel;
  readonly #exchange: string;
  readonly #counters: RabbitMQPublishCounters;
  readonly #unanswered: Awaiting;
  readonly #awaiting = new Map<string, AwaitingBatch>();
  #closed = false;
  /** Why the broker closed the channel, when it did (e.g. 404: the exchange is gone). */
  #closeError: unknown;

  constructor(
    channel: ConfirmChannel,
    exchange: string,
    counters: RabbitMQPublishCounters,
    unanswered: Awaiting,
  ) {
    this.channel = channel;
    this.#exchange = exchange;
    this.#counters = counters;
    this.#unanswered = unanswered;
    // Before amqplib's own listener, which fails the unconfirmed callbacks: a callback error
    // then means "channel closed" when this flag is set, and a nack when it is not.
    channel.prependListener('close', () => {
      this.#closed = true;
    });
    channel.on('error', (error: unknown) => {
      this.#closeError = error;
    });
    channel.on('return', (message: Message) => this.#onReturn(message));
  }

  /** False once the channel closed (it is then replaced by a new one). */
  get open(): boolean {
    return !this.#closed;
  }

  /**
   * Publishes every message, then waits for their confirms, at most `timeoutMs`. Resolves with
   * the messages that failed (none when the broker confirmed all); rejects only when `signal`
   * aborts.
   */
  publish(
    messages: readonly RabbitMQMessage[],
    timeoutMs: number,
    signal: AbortSignal,
  ): Promise<PublishFailure[]> {
    return new Promise((resolve, reject) => {
      const failures: PublishFailure[] = [];
      const unsettled = new Set<RabbitMQMessage>(messages);
      const returns = new Map<string, RabbitMQError>();
      const batch: AwaitingBatch = { returned: (id, error) => returns.set(id, error) };
      let timer: NodeJS.Timeout | undefined;
      const end = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        for (const m of messages) {
          if (this.#awaiting.get(m.event.id) === batch) this.#awaiting.delete(m.event.id);
        }
      };
      const fail = (m: RabbitMQMessage, error: RabbitMQError) => {
        unsettled.delete(m);
        failures.push({ event: m.event, error });
      };
      const check = () => {
        if (unsettled.size > 0) return;
        end();
        resolve(failures);
      };
      const onAbort = () => {
        this.#counters.unconfirmed += unsettled.size;
        this.#unanswered.messages -= unsettled.size;
        unsettled.clear();
        end();
        reject(signal.reason);
      };
      const confirm = (m: RabbitMQMessage) => (error: unknown) => {
        if (!unsettled.has(m)) return;
        this.#unanswered.messages -= 1;
        const returned = returns.get(m.event.id);
        if (error && this.#closed) {
          this.#counters.unconfirmed += 1;
          fail(m, this.#lost(error));
        } else if (error) {
          this.#counters.nacked += 1;
          fail(m, nacked(m, error));
        } else if (returned) {
          this.#counters.returned += 1;
          fail(m, returned);
        } else {
          this.#counters.confirmed += 1;
          unsettled.delete(m);
        }
        check();
      };
      for (const m of messages) {
        if (this.#closed) {
          this.#counters.unconfirmed += 1;
          fail(m, this.#lost(new Error('channel closed')));
          continue;
        }
        this.#awaiting.set(m.event.id, batch);
        try {
          // The return value (false when amqplib's buffer is over its mark) is not awaited:
          // the batch is bounded, and waiting for its confirms waits for it to be sent.
          this.channel.publish(this.#exchange, m.routingKey, m.content, m.options, confirm(m));
          this.#counters.published += 1;
          this.#unanswered.messages += 1;
        } catch (error) {
          // A closed channel refuses every later publish; anything else concerns this message.
          fail(m, this.#closed ? this.#lost(error) : refused(m, error));
        }
      }
      if (unsettled.size === 0) {
        check();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => {
        this.#unanswered.messages -= unsettled.size;
        for (const m of unsettled) {
          this.#counters.unconfirmed += 1;
          failures.push({
            event: m.event,
            error: new RabbitMQError(
              'RABBITMQ_CONFIRM_TIMEOUT',
              `the broker did not confirm the message within ${timeoutMs} ms`,
            ),
          });
        }
        unsettled.clear();
        check();
      }, timeoutMs);
      timer.unref();
    });
  }

  /**
   * A message whose channel closed before its confirm. Retried on a new channel, which declares
   * the topology again (that heals a deleted exchange); the broker's reason is kept as the cause.
   */
  #lost(error: unknown): RabbitMQError {
    const cause = this.#closeError ?? error;
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    return new RabbitMQError(
      'RABBITMQ_CONNECTION_LOST',
      `the channel closed before the broker confirmed the message${reason}`,
      { cause },
    );
  }

  #onReturn(message: Message): void {
    const id = message.properties.messageId as string | undefined;
    const batch = id === undefined ? undefined : this.#awaiting.get(id);
    if (id === undefined || batch === undefined) return;
    const { exchange, routingKey, replyCode, replyText } = message.fields as Message['fields'] & {
      replyCode: number;
      replyText: string;
    };
    batch.returned(
      id,
      new RabbitMQError(
        'RABBITMQ_UNROUTABLE',
        `no queue is bound to exchange "${exchange}" for routing key "${routingKey}" (${replyCode} ${replyText})`,
        { routingKey },
      ),
    );
  }
}

function refused(m: RabbitMQMessage, cause: unknown): RabbitMQError {
  return new RabbitMQError(
    'RABBITMQ_BAD_MESSAGE',
    `amqplib refused the message: ${String(cause)}`,
    {
      cause,
      routingKey: m.routingKey,
    },
  );
}

function nacked(m: RabbitMQMessage, cause: unknown): RabbitMQError {
  return new RabbitMQError('RABBITMQ_NACKED', 'the broker refused the message (basic.nack)', {
    cause,
    routingKey: m.routingKey,
  });
}
