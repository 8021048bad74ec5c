import { settledWithin } from '../async/wait.js';
import { ListenerSafeEmitter } from '../emitter.js';
import type { EventRecord } from '../event/types.js';
import type { EventFailure } from '../sinks/failures.js';
import { writeMessages } from '../sinks/message-writes.js';
import type { PipelineOptions } from '../sinks/pipeline-options.js';
import type { Sink, SinkErrorKind, WriteContext } from '../sinks/sink.js';
import { AckInbox } from './acks.js';
import { classifyNatsError } from './classify.js';
import { type NatsConnectionCounters, NatsLink, type NatsSinkState } from './connection.js';
import { type NatsMessage, type NatsMessageMapping, toNatsMessage } from './message.js';
import {
  type NatsSinkOptions,
  type ResolvedNatsSinkOptions,
  resolveNatsSinkOptions,
} from './options.js';
import {
  type NatsPublishCounters,
  type PublishTarget,
  publishAll,
  toNatsError,
  zeroPublishCounters,
} from './publish.js';
import { ensureStream } from './stream.js';

/** A snapshot of a sink's state and counters, as returned by {@link NatsSink.metrics}. */
export interface NatsSinkMetrics
  extends Readonly<NatsPublishCounters>,
    Readonly<NatsConnectionCounters> {
  readonly state: NatsSinkState;
}

/** The events a {@link NatsSink} emits (eventemitter3; listeners are optional). */
export interface NatsSinkEvents {
  /** The connection changed state, e.g. to `reconnecting` and back to `connected`. */
  state: (state: NatsSinkState, previous: NatsSinkState) => void;
}

/**
 * Publishes events to a NATS JetStream stream as JSON messages: a batch is published whole and
 * its acks are awaited together. `Nats-Msg-Id` is the event id, so a retried message that was
 * stored after all is dropped by the stream's duplicate window. A message JetStream refuses,
 * does not acknowledge in time, or leaves unacknowledged when the connection drops fails alone:
 * the write throws a {@link PartialWriteError} listing those events, and the logger retries or
 * hands over only them.
 *
 * The sink's own connection (`servers`) reconnects with capped backoff; writes fail at once
 * while NATS cannot be reached, so the logger's retry, queue and fallback work for this sink
 * alone and never slow another sink.
 */
export class NatsSink extends ListenerSafeEmitter<NatsSinkEvents> implements Sink {
  readonly name: string;
  /** Two writes in flight: the next batch is published while JetStream acks the previous one. */
  readonly defaults: PipelineOptions = { writesInFlight: 2 };
  readonly #options: ResolvedNatsSinkOptions;
  readonly #mapping: NatsMessageMapping;
  readonly #link: NatsLink;
  readonly #counters: NatsPublishCounters = zeroPublishCounters();
  #target: (PublishTarget & { readonly generation: number }) | undefined;
  #checking: Promise<PublishTarget> | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  constructor(options: NatsSinkOptions) {
    super();
    const resolved = resolveNatsSinkOptions(options);
    this.name = resolved.name;
    this.#options = resolved;
    this.#mapping = { subject: resolved.subject, streamSubjects: resolved.stream.subjects };
    this.#link = new NatsLink({
      servers: options.servers,
      connection: options.connection,
      connectOptions: options.connectOptions,
      name: resolved.name,
      reconnect: resolved.reconnect,
      connectTimeoutMs: resolved.connectTimeoutMs,
      onState: (state, previous) => this.emit('state', state, previous),
    });
  }

  /** Where the connection stands; see {@link NatsSinkState}. */
  get state(): NatsSinkState {
    return this.#link.state;
  }

  /** The state and the message and connection counters since the sink was made. */
  metrics(): NatsSinkMetrics {
    return { state: this.#link.state, ...this.#counters, ...this.#link.counters };
  }

  write(batch: readonly EventRecord[], context: WriteContext): Promise<void> {
    return writeMessages(batch, {
      toMessage: (event) => toNatsMessage(event, this.#mapping),
      publish: (messages) => this.#publish(messages, context.signal),
      classify: classifyNatsError,
      inFlight: this.#inFlight,
    });
  }

  classifyError(error: unknown): SinkErrorKind {
    return classifyNatsError(error);
  }

  /**
   * Stops accepting writes, waits for the acks of writes in flight (at most `ackTimeoutMs`),
   * then closes the connection if the sink opened it (at most `connectTimeoutMs`). Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#link.stop();
    await settledWithin(Promise.allSettled(this.#inFlight), {
      timeoutMs: this.#options.ackTimeoutMs,
    });
    this.#target?.acks.close();
    await settledWithin(this.#link.release(), { timeoutMs: this.#options.connectTimeoutMs });
  }

  /**
   * Publishes `messages` once the connection is ready, or fails them all. No closure here sees
   * `messages`, and the acks are awaited after this call ended (by its caller): once sent, the
   * messages' bodies and headers can be collected while the acks are awaited.
   */
  async #publish(messages: NatsMessage[], signal: AbortSignal): Promise<EventFailure[]> {
    const events = messages.map((m) => m.event);
    let stop = () => {};
    const interrupted = new Promise<unknown>((resolve) => {
      const onAbort = () => resolve(signal.reason);
      const forget = this.#link.onLost(resolve);
      signal.addEventListener('abort', onAbort, { once: true });
      stop = () => {
        forget();
        signal.removeEventListener('abort', onAbort);
      };
      if (signal.aborted) onAbort();
    });
    let target: PublishTarget;
    try {
      target = await Promise.race([this.#ready(), interrupted.then(fail)]);
    } catch (error) {
      stop();
      return failAll(events, error);
    }
    return publishAll(target, messages, interrupted, this.#counters)
      .catch((error: unknown) => failAll(events, error))
      .finally(stop);
  }

  /** Where to publish on the current connection, once the stream was checked on it. */
  #ready(): Promise<PublishTarget> {
    const target = this.#target;
    if (target && target.generation === this.#link.generation && this.#link.state === 'connected') {
      return Promise.resolve(target);
    }
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  async #check(): Promise<PublishTarget> {
    const connection = await this.#link.ready();
    const generation = this.#link.generation;
    const { stream, assertStream, ackTimeoutMs } = this.#options;
    await ensureStream(connection, stream, assertStream, ackTimeoutMs).catch((error: unknown) => {
      throw toNatsError(error);
    });
    // A reconnected connection keeps its subscriptions: the inbox is new only on a new connection.
    const previous = this.#target;
    const acks = previous?.connection === connection ? previous.acks : new AckInbox(connection);
    this.#target = { connection, acks, timeoutMs: ackTimeoutMs, generation };
    return this.#target;
  }
}

function failAll(events: readonly EventRecord[], error: unknown): EventFailure[] {
  return events.map((event) => ({ event, error }));
}

function fail(error: unknown): never {
  throw error;
}
