import { settledWithin, within } from '../async/wait.js';
import { ListenerSafeEmitter } from '../emitter.js';
import type { EventRecord } from '../event/types.js';
import { checkLog, type LifecycleLevel, lifecycle } from '../lifecycle/log.js';
import { writeMessages } from '../sinks/message-writes.js';
import type { PipelineOptions } from '../sinks/pipeline-options.js';
import type { Sink, SinkErrorKind, WriteContext } from '../sinks/sink.js';
import { classifyRabbitMQError } from './classify.js';
import {
  ConfirmPublisher,
  type PublishCounters,
  type PublishFailure,
} from './confirm-publisher.js';
import { BrokerLink, type ConnectionCounters, type RabbitMQSinkState } from './connection.js';
import { RabbitMQError } from './errors.js';
import { type MessageMapping, type OutgoingMessage, toMessage } from './message.js';
import {
  type RabbitMQSinkOptions,
  type ResolvedRabbitMQSinkOptions,
  resolveRabbitMQSinkOptions,
} from './options.js';
import { assertTopology } from './topology.js';

/** A snapshot of a sink's state and counters, as returned by {@link RabbitMQSink.metrics}. */
export interface RabbitMQSinkMetrics
  extends Readonly<PublishCounters>,
    Readonly<ConnectionCounters> {
  readonly state: RabbitMQSinkState;
}

/** The events a {@link RabbitMQSink} emits (eventemitter3; listeners are optional). */
export interface RabbitMQSinkEvents {
  /** The connection changed state, e.g. to `blocked` or `reconnecting` and back to `connected`. */
  state: (state: RabbitMQSinkState, previous: RabbitMQSinkState) => void;
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
 */
export class RabbitMQSink extends ListenerSafeEmitter<RabbitMQSinkEvents> implements Sink {
  readonly name: string;
  /**
   * Two writes in flight on the one channel: the next batch is published while the broker
   * confirms the previous one (see the README's benchmark). Batches are published in order; only
   * a retried one lands after its successors.
   */
  readonly defaults: PipelineOptions = { writesInFlight: 2 };
  /** Where the sink publishes, in OpenTelemetry's terms (`eventrail/otel` reads it). */
  readonly messaging: { readonly system: 'rabbitmq'; readonly destination: string };
  readonly #options: ResolvedRabbitMQSinkOptions;
  readonly #mapping: MessageMapping;
  readonly #link: BrokerLink;
  readonly #counters: PublishCounters = {
    published: 0,
    confirmed: 0,
    nacked: 0,
    returned: 0,
    unconfirmed: 0,
  };
  #publisher: ConfirmPublisher | undefined;
  #opening: Promise<ConfirmPublisher> | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  constructor(options: RabbitMQSinkOptions) {
    super();
    const resolved = resolveRabbitMQSinkOptions(options);
    this.name = resolved.name;
    this.messaging = { system: 'rabbitmq', destination: resolved.exchange };
    this.#options = resolved;
    this.#mapping = resolved;
    this.#link = new BrokerLink({
      url: options.url,
      connection: options.connection,
      socketOptions: options.socketOptions,
      name: resolved.name,
      reconnect: resolved.reconnect,
      connectTimeoutMs: resolved.connectTimeoutMs,
      blockedTimeoutMs: resolved.blockedTimeoutMs,
      onState: (state, previous) => this.emit('state', state, previous),
    });
    const log = checkLog(options.log);
    if (log) {
      this.on('state', (state, previous) =>
        lifecycle(
          log,
          STATE_LEVEL[state],
          { sink: this.name, state, previous },
          `eventrail RabbitMQ sink ${state}`,
        ),
      );
    }
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
      toMessage: (event) => toMessage(event, this.#mapping),
      publish: (messages) => this.#publish(messages, context.signal),
      classify: classifyRabbitMQError,
      inFlight: this.#inFlight,
    });
  }

  classifyError(error: unknown): SinkErrorKind {
    return classifyRabbitMQError(error);
  }

  /**
   * Stops accepting writes, waits for the confirms of writes in flight (at most
   * `confirmTimeoutMs`), then closes the channel and, if the sink opened it, the connection
   * (each close waits at most `confirmTimeoutMs` for the broker's answer). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#link.stop();
    const { confirmTimeoutMs, connectTimeoutMs } = this.#options;
    // Every step is bounded: a broker that blocks its publishers, or a half-open socket, never
    // answers a close, and a host's shutdown must not hang on it.
    await settledWithin(Promise.allSettled(this.#inFlight), { timeoutMs: confirmTimeoutMs });
    await settledWithin(this.#opening, { timeoutMs: connectTimeoutMs });
    const channel = this.#publisher?.channel;
    if (channel && this.#publisher?.open) {
      await settledWithin(channel.close(), { timeoutMs: confirmTimeoutMs });
    }
    await settledWithin(this.#link.release(), { timeoutMs: confirmTimeoutMs });
  }

  async #publish(messages: OutgoingMessage[], signal: AbortSignal): Promise<PublishFailure[]> {
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
    channel.on('error', (error: unknown) => this.#link.noteError(error));
    try {
      await assertTopology(channel, this.#options);
    } catch (error) {
      await channel.close().catch(() => undefined);
      throw error;
    }
    this.#link.confirmConnected();
    this.#publisher = new ConfirmPublisher(channel, this.#options.exchange, this.#counters);
    return this.#publisher;
  }
}

/** How loud each connection state is in the lifecycle log. */
const STATE_LEVEL = {
  idle: 'debug',
  connecting: 'debug',
  connected: 'info',
  blocked: 'warn',
  reconnecting: 'warn',
  closed: 'info',
} as const satisfies Record<RabbitMQSinkState, LifecycleLevel>;
