import { within } from '../async/wait.js';
import { ListenerSafeEmitter } from '../emitter.js';
import type { PartialWriteError } from '../errors.js';
import { describe } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import type { CloseOptions, Lifecycle } from '../lifecycle/close.js';
import {
  BrokerCloser,
  type BrokerSinkCloseSummary,
  logBrokerLifecycle,
} from '../sinks/broker-sink.js';
import { writeMessages } from '../sinks/message-writes.js';
import type { PipelineOptions } from '../sinks/pipeline-options.js';
import type { Sink, SinkErrorKind, WriteContext } from '../sinks/sink.js';
import { classifyRabbitMQError } from './classify.js';
import {
  type Awaiting,
  ConfirmPublisher,
  type PublishFailure,
  type RabbitMQPublishCounters,
} from './confirm-publisher.js';
import {
  BrokerLink,
  type RabbitMQConnectionCounters,
  type RabbitMQSinkState,
} from './connection.js';
import { RabbitMQError } from './errors.js';
import { type RabbitMQMessage, type RabbitMQMessageMapping, toRabbitMQMessage } from './message.js';
import {
  type RabbitMQSinkOptions,
  type ResolvedRabbitMQSinkOptions,
  resolveRabbitMQSinkOptions,
} from './options.js';
import { assertTopology } from './topology.js';

/** A snapshot of a sink's state and counters, as returned by {@link RabbitMQSink.metrics}. */
export interface RabbitMQSinkMetrics
  extends Readonly<RabbitMQPublishCounters>,
    Readonly<RabbitMQConnectionCounters> {
  /** The connection's state now. */
  readonly state: RabbitMQSinkState;
}

/** The events a {@link RabbitMQSink} emits (eventemitter3; listeners are optional). */
export interface RabbitMQSinkEvents {
  /** The connection changed state, e.g. to `blocked` or `reconnecting` and back to `connected`. */
  state: (state: RabbitMQSinkState, previous: RabbitMQSinkState) => void;
  /**
   * A fault in the background, while no write may be failing for it: the connection lost
   * (`RABBITMQ_CONNECTION_LOST`), an attempt to connect failed (`RABBITMQ_UNAVAILABLE`), the
   * broker closed the channel (`RABBITMQ_CONNECTION_LOST`), reconnecting given up
   * (`RABBITMQ_CLOSED`). The driver's error is the `cause`. Without a listener (or a `log`), the
   * first one is a process warning.
   */
  error: (error: RabbitMQError) => void;
}

/**
 * Publishes events to a RabbitMQ exchange as persistent JSON messages on a confirm channel: a
 * batch is published whole and its confirms are awaited together. A message the broker nacks,
 * returns as unroutable (mandatory), or leaves unconfirmed when the connection drops fails
 * alone: the write throws a {@link PartialWriteError} listing those events, and the logger
 * retries or hands over only them. Retried events keep their `messageId` (the event id), so
 * delivery is at-least-once and consumers deduplicate on it.
 *
 * The sink's own connection (`url`) reconnects with capped backoff; writes wait for a connection
 * being opened (bounded) and fail at once while the broker cannot be reached, so the logger's
 * retry, queue and fallback work for this sink alone and never slow another sink.
 *
 * Nothing connects before the first write. `close()` (or `await using`) ends it within a deadline.
 */
export class RabbitMQSink
  extends ListenerSafeEmitter<RabbitMQSinkEvents>
  implements Sink, Lifecycle<RabbitMQSinkMetrics, BrokerSinkCloseSummary>
{
  readonly name: string;
  /**
   * Two writes in flight on the one channel: the next batch is published while the broker
   * confirms the previous one (see docs/performance.md). Batches are published in order; only
   * a retried one lands after its successors.
   */
  readonly defaults: PipelineOptions = { writesInFlight: 2 };
  /** Where the sink publishes, in OpenTelemetry's terms (`eventrail/otel` reads it). */
  readonly messaging: {
    /** `rabbitmq`. */
    readonly system: 'rabbitmq';
    /** The exchange's name. */
    readonly destination: string;
  };
  readonly #options: ResolvedRabbitMQSinkOptions;
  readonly #mapping: RabbitMQMessageMapping;
  readonly #link: BrokerLink;
  readonly #counters: RabbitMQPublishCounters = {
    published: 0,
    confirmed: 0,
    nacked: 0,
    returned: 0,
    unconfirmed: 0,
  };
  readonly #unanswered: Awaiting = { messages: 0 };
  #publisher: ConfirmPublisher | undefined;
  #opening: Promise<ConfirmPublisher> | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #closer: BrokerCloser;

  constructor(options: RabbitMQSinkOptions) {
    super();
    const o = resolveRabbitMQSinkOptions(options);
    this.name = o.name;
    this.messaging = { system: 'rabbitmq', destination: o.exchange };
    this.#options = o;
    this.#mapping = o;
    this.#closer = new BrokerCloser(o.closeTimeoutMs, {
      stop: () => this.#link.stop(),
      inFlight: this.#inFlight,
      awaiting: () => this.#unanswered.messages,
      release: async () => {
        await this.#opening?.catch(() => undefined);
        const channel = this.#publisher?.channel;
        if (channel && this.#publisher?.open) await channel.close().catch(() => undefined);
        await this.#link.release();
      },
      abandon: () => this.#link.abandon(),
    });
    this.#link = new BrokerLink({
      ...o,
      onState: (state, previous) => this.emit('state', state, previous),
      onError: (error) => this.emit('error', error),
    });
    logBrokerLifecycle(this, o.log, 'RabbitMQ');
  }

  /** Where the connection stands; see {@link RabbitMQSinkState}. */
  get state(): RabbitMQSinkState {
    return this.#link.state;
  }

  /** The state and the message and connection counters since the sink was made. */
  metrics(): RabbitMQSinkMetrics {
    return {
      state: this.#link.state,
      ...this.#counters,
      ...this.#link.counters,
      blockedMs: this.#link.blockedMs,
    };
  }

  write(batch: readonly EventRecord[], context: WriteContext): Promise<void> {
    return writeMessages(batch, {
      toMessage: (event) => toRabbitMQMessage(event, this.#mapping),
      publish: (messages) => this.#publish(messages, context.signal),
      classify: classifyRabbitMQError,
      inFlight: this.#inFlight,
    });
  }

  classifyError(error: unknown): SinkErrorKind {
    return classifyRabbitMQError(error);
  }

  /**
   * Stops accepting writes (they fail with `ClosedError`), waits for the confirms of writes in
   * flight, then closes the channel and, if the sink opened it, the connection: all within
   * `timeoutMs` (default `closeTimeoutMs`). A broker that stops answering (blocked, a half-open
   * socket) never holds it longer: at the deadline the sink's own socket is destroyed, and the
   * summary counts the messages whose confirms had not come back. The same promise on every
   * call; rejects only at once, for bad options (the sink then stays open).
   */
  close(options?: CloseOptions): Promise<BrokerSinkCloseSummary> {
    return this.#closer.close(options);
  }

  /** `await using sink = new RabbitMQSink(...)` closes it with the default deadline. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #publish(messages: RabbitMQMessage[], signal: AbortSignal): Promise<PublishFailure[]> {
    const publisher = await this.#channel(signal);
    return publisher.publish(messages, this.#options.confirmTimeoutMs, signal);
  }

  /** The open confirm channel, or a new one (one opening at a time) once the link is ready. */
  #channel(signal: AbortSignal): Promise<ConfirmPublisher> {
    const current = this.#publisher;
    if (current?.open && this.#link.state === 'connected') return Promise.resolve(current);
    this.#opening ??= this.#open(signal).finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  async #open(signal: AbortSignal): Promise<ConfirmPublisher> {
    const connection = await this.#link.usableConnection(signal);
    const current = this.#publisher;
    if (current?.open) return current;
    // A recovering connection lost in the meantime waits for its next reconnect: bounded here,
    // and a channel that arrives too late is closed.
    signal.throwIfAborted();
    const opened = await within(connection.createConfirmChannel(), {
      timeoutMs: this.#options.connectTimeoutMs,
      signal,
      late: (channel) => void channel.close().catch(() => undefined),
    });
    if (signal.aborted) {
      if (opened.done) void opened.value.close().catch(() => undefined);
      throw signal.reason;
    }
    if (!opened.done) {
      throw new RabbitMQError(
        'RABBITMQ_UNAVAILABLE',
        `no channel within ${this.#options.connectTimeoutMs} ms`,
      );
    }
    const channel = opened.value;
    channel.on('error', (error: unknown) => {
      this.#link.noteError(error);
      if (this.#closer.closed) return;
      const message = `the broker closed the channel: ${describe(error)}`;
      this.emit('error', new RabbitMQError('RABBITMQ_CONNECTION_LOST', message, { cause: error }));
    });
    try {
      await assertTopology(channel, this.#options);
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
    this.#link.confirmConnected();
    this.#publisher = new ConfirmPublisher(
      channel,
      this.#options.exchange,
      this.#counters,
      this.#unanswered,
    );
    return this.#publisher;
  }
}
