import { ListenerSafeEmitter } from '../emitter.js';
import type { PartialWriteError } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import type { CloseOptions, Lifecycle } from '../lifecycle/close.js';
import {
  BrokerCloser,
  type BrokerSinkCloseSummary,
  logBrokerLifecycle,
} from '../sinks/broker-sink.js';
import type { EventFailure } from '../sinks/failures.js';
import { writeMessages } from '../sinks/message-writes.js';
import type { PipelineOptions } from '../sinks/pipeline-options.js';
import type { Sink, SinkErrorKind, WriteContext } from '../sinks/sink.js';
import { AckInbox } from './acks.js';
import { classifyNatsError } from './classify.js';
import { type NatsConnectionCounters, NatsLink, type NatsSinkState } from './connection.js';
import type { NatsError } from './errors.js';
import { type NatsMessage, type NatsMessageMapping, toNatsMessage } from './message.js';
import {
  type NatsSinkOptions,
  type ResolvedNatsSinkOptions,
  resolveNatsSinkOptions,
} from './options.js';
import {
  type Awaiting,
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
  /** The connection's state now. */
  readonly state: NatsSinkState;
}

/** The events a {@link NatsSink} emits (eventemitter3; listeners are optional). */
export interface NatsSinkEvents {
  /** The connection changed state, e.g. to `reconnecting` and back to `connected`. */
  state: (state: NatsSinkState, previous: NatsSinkState) => void;
  /**
   * A fault in the background, while no write may be failing for it: the connection lost
   * (`NATS_CONNECTION_LOST`), an attempt to connect or reconnect failed (`NATS_UNAVAILABLE`),
   * connecting or reconnecting given up (`NATS_CLOSED`). The client's error, where it gives one,
   * is the `cause`. Without a listener (or a `log`), the first one is a process warning.
   */
  error: (error: NatsError) => void;
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
 *
 * Nothing connects before the first write. `close()` (or `await using`) ends it within a deadline.
 */
export class NatsSink
  extends ListenerSafeEmitter<NatsSinkEvents>
  implements Sink, Lifecycle<NatsSinkMetrics, BrokerSinkCloseSummary>
{
  readonly name: string;
  /** Two writes in flight: the next batch is published while JetStream acks the previous one. */
  readonly defaults: PipelineOptions = { writesInFlight: 2 };
  /** Where the sink publishes, in OpenTelemetry's terms (`eventrail/otel` reads it): the stream. */
  readonly messaging: {
    /** `nats`. */
    readonly system: 'nats';
    /** The JetStream stream's name. */
    readonly destination: string;
  };
  readonly #options: ResolvedNatsSinkOptions;
  readonly #mapping: NatsMessageMapping;
  readonly #link: NatsLink;
  readonly #counters: NatsPublishCounters = zeroPublishCounters();
  readonly #unanswered: Awaiting = { messages: 0 };
  #target: (PublishTarget & { readonly generation: number }) | undefined;
  #checking: Promise<PublishTarget> | undefined;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #closer: BrokerCloser;

  constructor(options: NatsSinkOptions) {
    super();
    const o = resolveNatsSinkOptions(options);
    this.name = o.name;
    this.messaging = { system: 'nats', destination: o.stream.name };
    this.#options = o;
    this.#mapping = { subject: o.subject, streamSubjects: o.stream.subjects };
    this.#closer = new BrokerCloser(o.closeTimeoutMs, {
      stop: () => this.#link.stop(),
      inFlight: this.#inFlight,
      awaiting: () => this.#unanswered.messages,
      release: async () => {
        this.#target?.acks.close();
        await this.#link.release();
      },
      // The client's close destroys its socket whether the server answers or not.
      abandon: () => {},
    });
    this.#link = new NatsLink({
      ...o,
      onState: (state, previous) => this.emit('state', state, previous),
      onError: (error) => this.emit('error', error),
    });
    logBrokerLifecycle(this, o.log, 'NATS');
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
   * Stops accepting writes (they fail with `ClosedError`), waits for the acks of writes in flight,
   * then closes the connection if the sink opened it: all within `timeoutMs` (default
   * `closeTimeoutMs`). A server that stops answering never holds it longer: the summary counts
   * the messages whose acks had not come back. The same promise on every call; rejects only at
   * once, for bad options (the sink then stays open).
   */
  close(options?: CloseOptions): Promise<BrokerSinkCloseSummary> {
    return this.#closer.close(options);
  }

  /** `await using sink = new NatsSink(...)` closes it with the default deadline. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
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
    return publishAll(target, messages, interrupted, this.#counters, this.#unanswered)
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
