import { ProcessHold } from '../async/hold.js';
import { settledWithin, within } from '../async/wait.js';
import type { EventCatalog, EventOf } from '../catalog/catalog.js';
import { ListenerSafeEmitter } from '../emitter.js';
import { ClosedError, CloseTimeoutError, ValidationError } from '../errors.js';
import { type NormalizeLimits, toEventRecord } from '../event/normalize.js';
import type { EventInput, EventRecord } from '../event/types.js';
import {
  type CloseOptions,
  Closer,
  type CloseSummary,
  type Deadline,
  type Lifecycle,
} from '../lifecycle/close.js';
import { type LifecycleLog, lifecycle } from '../lifecycle/log.js';
import { ConsoleSink } from '../sinks/console-sink.js';
import { pickPipelineOptions, pipelineOptions } from '../sinks/pipeline-options.js';
import { closeSink, type Sink } from '../sinks/sink.js';
import type { EventLoggerEvents } from './events.js';
import { logLifecycle } from './lifecycle.js';
import type { EventLoggerMetrics, SinkMetrics } from './metrics.js';
import { type EventLoggerOptions, eventLoggerOptions, sinkRegistration } from './options.js';
import { SinkPipeline } from './pipeline.js';

/** What happened to every event of one sink over the logger's life. */
export interface SinkCloseSummary {
  /** Events handed to this sink's pipeline. */
  readonly received: number;
  /** Events the sink wrote. */
  readonly written: number;
  /** Events handed to the fallback sink (failed writes, or left over at the deadline). */
  readonly fallback: number;
  /** Events discarded: queue overflow under a drop policy, or a failed or absent fallback. */
  readonly dropped: number;
}

/** The result of {@link EventLogger.close}. `received = written + fallback + dropped` per sink. */
export interface EventLoggerCloseSummary extends CloseSummary {
  /** What happened to the events of each sink, by sink name. */
  readonly sinks: Readonly<Record<string, SinkCloseSummary>>;
}

/**
 * Validates events synchronously, then batches them to each sink in the background. Each sink
 * has its own bounded queue and worker, so a slow sink never delays another; write errors are
 * retried, isolated, handed to the fallback sink and emitted, never thrown to the caller.
 *
 * Delivery is at-most-once across a process crash (events are buffered in memory) and lossless
 * across `close()`. For events that must survive a crash, use the transactional outbox.
 *
 * @example
 * ```ts
 * const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool })] });
 * await logger.logEvent({ type: 'TOOL_REQUEST', userId, payload: { tool_name: 'search' } });
 * process.once('SIGTERM', () => logger.close());
 * ```
 */
export class EventLogger<TCatalog extends EventCatalog | undefined = undefined>
  extends ListenerSafeEmitter<EventLoggerEvents>
  implements Lifecycle<EventLoggerMetrics, EventLoggerCloseSummary>
{
  readonly #pipelines: SinkPipeline[];
  readonly #catalog: EventCatalog | undefined;
  readonly #fallback: Sink | null;
  readonly #normalize: NormalizeLimits;
  readonly #closer: Closer<EventLoggerCloseSummary>;
  readonly #log: LifecycleLog | undefined;
  /** Holds the process while the host awaits `flush()` or a blocked `logEvent`. */
  readonly #hold = new ProcessHold();
  #accepted = 0;
  #rejected = 0;

  constructor(options: EventLoggerOptions<TCatalog>) {
    super();
    const o = eventLoggerOptions.resolve(options);
    this.#fallback = o.fallback === undefined ? new ConsoleSink() : o.fallback;
    this.#catalog = o.catalog;
    this.#closer = new Closer(o.closeTimeoutMs);
    this.#normalize = { maxPayloadBytes: o.maxPayloadBytes };
    const loggerWide = pickPipelineOptions(options);
    this.#pipelines = o.sinks.map((registration, i) => {
      const sink = registration.sink;
      // Precedence: the registration, then the logger's options, then the sink's own defaults.
      const sinkDefaults = pipelineOptions.resolve(sink.defaults, `options.sinks[${i}].defaults`);
      const layered = pipelineOptions.resolve(loggerWide, 'options', sinkDefaults);
      const resolved = sinkRegistration.resolve(registration, `options.sinks[${i}]`, {
        ...layered,
        sink,
      });
      return new SinkPipeline(sink, resolved, this.#fallback, this);
    });
    this.#log = o.log;
    if (this.#log)
      logLifecycle(
        this,
        this.#log,
        o.sinks.map((r) => r.sink.name),
      );
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closer.closed;
  }

  /**
   * Validates and queues one event. Resolves with the event id once every sink has accepted it
   * (at once while queues have room; under the `block` policy, when room is made). Never waits
   * for a write. Rejects with {@link ValidationError} (nothing queued) or {@link ClosedError}.
   * While it waits for room, the process stays alive (its writes' timers alone would not hold it).
   */
  logEvent(event: EventOf<TCatalog>): Promise<string> {
    const catalog = this.#catalog;
    if (catalog === undefined) return this.#queueOne(event as EventInput);
    try {
      const prepared = catalog.prepare(event as EventInput);
      return prepared instanceof Promise
        ? prepared.then(
            (ready) => this.#queueOne(ready),
            (error) => this.#refuse(error),
          )
        : this.#queueOne(prepared);
    } catch (error) {
      return this.#refuse(error);
    }
  }

  /**
   * Validates and queues many events, all or none: if any is invalid, the call rejects with a
   * {@link ValidationError} whose field starts with its index (`[3].userId`) and nothing is queued.
   * Resolves with the ids, in order.
   */
  logEvents(events: readonly EventOf<TCatalog>[]): Promise<string[]> {
    try {
      if (!Array.isArray(events)) {
        throw new ValidationError('events', 'VALIDATION_TYPE', 'must be an array');
      }
      const inputs = events as readonly EventInput[];
      const prepared = this.#catalog ? this.#catalog.prepareAll(inputs) : inputs;
      return prepared instanceof Promise
        ? prepared.then(
            (ready) => this.#queueMany(ready),
            (error) => this.#refuse(error),
          )
        : this.#queueMany(prepared);
    } catch (error) {
      return this.#refuse(error);
    }
  }

  #refuse(error: unknown): Promise<never> {
    if (error instanceof ValidationError) this.#rejected += 1;
    return Promise.reject(error);
  }

  #queueOne(input: EventInput): Promise<string> {
    let record: EventRecord;
    try {
      if (this.#closer.closed) throw new ClosedError('EventLogger');
      record = toEventRecord(input, this.#normalize);
    } catch (error) {
      return this.#refuse(error);
    }
    this.#accepted += 1;
    const pending = this.#offer(record);
    return pending === undefined
      ? Promise.resolve(record.id)
      : this.#hold.during(pending).then(() => record.id);
  }

  #queueMany(inputs: readonly EventInput[]): Promise<string[]> {
    const records: EventRecord[] = [];
    try {
      if (this.#closer.closed) throw new ClosedError('EventLogger');
      for (let i = 0; i < inputs.length; i++) {
        records.push(toEventRecord(inputs[i] as EventInput, this.#normalize, `[${i}].`));
      }
    } catch (error) {
      return this.#refuse(error);
    }
    this.#accepted += records.length;
    const pending: Promise<void>[] = [];
    for (const record of records) {
      const wait = this.#offer(record);
      if (wait !== undefined) pending.push(wait);
    }
    const ids = records.map((r) => r.id);
    return pending.length === 0
      ? Promise.resolve(ids)
      : this.#hold.during(Promise.all(pending)).then(() => ids);
  }

  /**
   * Resolves when every event accepted before the call is written, handed over, or dropped.
   * Until then the process stays alive, even when all that is left is a retry's pause: a script
   * that ends with `await logger.flush()` exits with its events written. Never rejects.
   */
  flush(): Promise<void> {
    return this.#hold.during(this.#flushAll());
  }

  async #flushAll(): Promise<void> {
    await Promise.all(this.#pipelines.map((p) => p.flush()));
  }

  /**
   * Stops intake, drains every queue, waits for writes in flight and closes the sinks and the
   * fallback. Idempotent: later calls return the first call's promise. At the deadline, whatever
   * is left goes to the fallback sink and `timedOut` is true. Never rejects, except at once with
   * a {@link ValidationError} for a `timeoutMs` that is not a number from 0 to 2147483647 (the
   * logger then stays open).
   */
  close(options?: CloseOptions): Promise<EventLoggerCloseSummary> {
    return this.#closer.close(options, (deadline) => this.#close(deadline));
  }

  /** `await using part = ...` closes it with the default deadline. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A snapshot of the counters, per sink. */
  metrics(): EventLoggerMetrics {
    const sinks: Record<string, SinkMetrics> = {};
    for (const pipeline of this.#pipelines) sinks[pipeline.sink.name] = pipeline.metrics();
    return { accepted: this.#accepted, rejected: this.#rejected, sinks };
  }

  #offer(record: EventRecord): Promise<void> | undefined {
    const pipelines = this.#pipelines;
    if (pipelines.length === 1) return (pipelines[0] as SinkPipeline).offer(record);
    const waits: Promise<void>[] = [];
    for (const pipeline of pipelines) {
      const wait = pipeline.offer(record);
      if (wait !== undefined) waits.push(wait);
    }
    return waits.length === 0 ? undefined : Promise.all(waits).then(() => undefined);
  }

  async #close(deadline: Deadline): Promise<EventLoggerCloseSummary> {
    // The deadline's timer holds the process; the flush needs no hold of its own.
    const timedOut = !(await within(this.#flushAll(), { signal: deadline.signal })).done;
    // Past the deadline every step is bounded by it: what completes at once still counts
    // (a console fallback's line), what would wait (a stalled stderr pipe) is given up.
    if (timedOut) {
      const reason = new CloseTimeoutError(
        deadline.abortedByCaller ? undefined : deadline.timeoutMs,
      );
      const abandoned = Promise.all(this.#pipelines.map((p) => p.abandon(reason)));
      await within(abandoned, { signal: deadline.signal });
    }
    const closers = this.#pipelines.map((p) => closeSink(p.sink, deadline));
    await settledWithin(Promise.allSettled(closers), { signal: deadline.signal });
    await settledWithin(closeSink(this.#fallback, deadline), { signal: deadline.signal });
    const sinks: Record<string, SinkCloseSummary> = {};
    for (const pipeline of this.#pipelines) {
      const { received, written, fallback, dropped } = pipeline.counters;
      sinks[pipeline.sink.name] = { received, written, fallback, dropped };
    }
    lifecycle(
      this.#log,
      timedOut ? 'warn' : 'info',
      { timedOut, sinks },
      'eventrail logger closed',
    );
    return { timedOut, sinks };
  }
}
