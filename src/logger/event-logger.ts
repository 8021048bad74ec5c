import { settledWithin, within } from '../async/wait.js';
import type { EventCatalog, EventOf } from '../catalog/catalog.js';
import { ListenerSafeEmitter } from '../emitter.js';
import { CloseTimeoutError, LoggerClosedError, ValidationError } from '../errors.js';
import { DEFAULT_MAX_PAYLOAD_BYTES, normalizeEvent } from '../event/normalize.js';
import type { EventInput, EventRecord } from '../event/types.js';
import { checkLog, type LifecycleLog, lifecycle } from '../lifecycle-log.js';
import { numberOption } from '../options/validate.js';
import { ConsoleSink } from '../sinks/console-sink.js';
import { DEFAULT_PIPELINE_OPTIONS, resolvePipelineOptions } from '../sinks/pipeline-options.js';
import { checkSink, closeSink, type Sink } from '../sinks/sink.js';
import type { EventLoggerEvents } from './events.js';
import { logLifecycle } from './lifecycle.js';
import type { LoggerMetrics, SinkMetrics } from './metrics.js';
import {
  DEFAULT_CLOSE_TIMEOUT_MS,
  type EventLoggerOptions,
  type SinkRegistration,
} from './options.js';
import { SinkPipeline } from './pipeline.js';

/** Options of {@link EventLogger.close}. */
export interface CloseOptions {
  /** Deadline in milliseconds. @default the logger's `closeTimeoutMs` (10000) */
  readonly timeoutMs?: number;
  /** Aborting it ends the wait at once, as if the deadline had passed. */
  readonly signal?: AbortSignal;
}

/** What happened to every event of one sink over the logger's life. */
export interface SinkCloseSummary {
  /** Events handed to this sink's pipeline. */
  readonly received: number;
  readonly written: number;
  /** Events handed to the fallback sink (failed writes, or left over at the deadline). */
  readonly fallback: number;
  readonly dropped: number;
}

/** The result of {@link EventLogger.close}. `received = written + fallback + dropped` per sink. */
export interface CloseSummary {
  /** True when the deadline (or the abort signal) cut the drain short. */
  readonly timedOut: boolean;
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
export class EventLogger<
  TCatalog extends EventCatalog | undefined = undefined,
> extends ListenerSafeEmitter<EventLoggerEvents> {
  readonly #pipelines: SinkPipeline[];
  readonly #catalog: EventCatalog | undefined;
  readonly #fallback: Sink | null;
  readonly #normalize: { readonly maxPayloadBytes: number };
  readonly #closeTimeoutMs: number;
  readonly #log: LifecycleLog | undefined;
  #accepted = 0;
  #rejected = 0;
  #closing: Promise<CloseSummary> | undefined;

  constructor(options: EventLoggerOptions<TCatalog>) {
    super();
    if (!options || !Array.isArray(options.sinks) || options.sinks.length === 0) {
      throw new ValidationError('options.sinks', 'VALIDATION_REQUIRED', 'needs at least one sink');
    }
    // Validates the logger-wide options once, before any sink is looked at.
    resolvePipelineOptions(options, DEFAULT_PIPELINE_OPTIONS, '');
    this.#fallback = options.fallback === undefined ? new ConsoleSink() : options.fallback;
    this.#catalog = options.catalog;
    this.#closeTimeoutMs = numberOption(
      options.closeTimeoutMs,
      'closeTimeoutMs',
      DEFAULT_CLOSE_TIMEOUT_MS,
      { min: 0 },
    );
    this.#normalize = {
      maxPayloadBytes: numberOption(
        options.maxPayloadBytes,
        'maxPayloadBytes',
        DEFAULT_MAX_PAYLOAD_BYTES,
        { min: 2 },
      ),
    };
    const names = new Set<string>();
    this.#pipelines = options.sinks.map((entry, i) => {
      const registration: SinkRegistration = 'sink' in entry ? entry : { sink: entry };
      const sink = registration.sink;
      checkSink(sink, i, names);
      // Precedence: the registration, then the logger's options, then the sink's own defaults.
      const sinkDefaults = resolvePipelineOptions(
        sink.defaults ?? {},
        DEFAULT_PIPELINE_OPTIONS,
        `sinks[${i}].defaults.`,
      );
      const loggerWide = resolvePipelineOptions(options, sinkDefaults, '');
      const resolved = resolvePipelineOptions(registration, loggerWide, `sinks[${i}].`);
      return new SinkPipeline(sink, resolved, this.#fallback, this);
    });
    this.#log = checkLog(options.log);
    if (this.#log) logLifecycle(this, this.#log, [...names]);
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Validates and queues one event. Resolves with the event id once every sink has accepted it
   * (at once while queues have room; under the `block` policy, when room is made). Never waits
   * for a write. Rejects with {@link ValidationError} (nothing queued) or {@link LoggerClosedError}.
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
      if (this.#closing) throw new LoggerClosedError();
      record = normalizeEvent(input, this.#normalize);
    } catch (error) {
      return this.#refuse(error);
    }
    this.#accepted += 1;
    const pending = this.#offer(record);
    return pending === undefined ? Promise.resolve(record.id) : pending.then(() => record.id);
  }

  #queueMany(inputs: readonly EventInput[]): Promise<string[]> {
    const records: EventRecord[] = [];
    try {
      if (this.#closing) throw new LoggerClosedError();
      for (let i = 0; i < inputs.length; i++) {
        records.push(normalizeEvent(inputs[i] as EventInput, this.#normalize, `[${i}].`));
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
    return pending.length === 0 ? Promise.resolve(ids) : Promise.all(pending).then(() => ids);
  }

  /** Resolves when every event accepted before the call is written, handed over, or dropped. */
  async flush(): Promise<void> {
    await Promise.all(this.#pipelines.map((p) => p.flush()));
  }

  /**
   * Stops intake, drains every queue, waits for writes in flight and closes the sinks and the
   * fallback. Idempotent: later calls return the first call's promise. At the deadline, whatever
   * is left goes to the fallback sink and `timedOut` is true. Never rejects, except at once with
   * a {@link ValidationError} for a `timeoutMs` that is not a number from 0 to 2147483647 (the
   * logger then stays open).
   */
  close(options: CloseOptions = {}): Promise<CloseSummary> {
    if (this.#closing === undefined) {
      let timeoutMs: number;
      try {
        timeoutMs = numberOption(options.timeoutMs, 'timeoutMs', this.#closeTimeoutMs, { min: 0 });
      } catch (error) {
        return Promise.reject(error);
      }
      this.#closing = this.#close(timeoutMs, options.signal);
    }
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A snapshot of the counters, per sink. */
  metrics(): LoggerMetrics {
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

  async #close(timeoutMs: number, signal: AbortSignal | undefined): Promise<CloseSummary> {
    // A referenced timer on purpose: a host awaiting close() stays alive until the deadline.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const onAbort = () => deadline.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) deadline.abort();
    try {
      const timedOut = !(await within(this.flush(), { signal: deadline.signal })).done;
      // Past the deadline every step is bounded by it: what completes at once still counts
      // (a console fallback's line), what would wait (a stalled stderr pipe) is given up.
      if (timedOut) {
        const reason = new CloseTimeoutError(signal?.aborted ? undefined : timeoutMs);
        const abandoned = Promise.all(this.#pipelines.map((p) => p.abandon(reason)));
        await within(abandoned, { signal: deadline.signal });
      }
      const closers = this.#pipelines.map((p) => closeSink(p.sink));
      await settledWithin(Promise.allSettled(closers), { signal: deadline.signal });
      await settledWithin(closeSink(this.#fallback), { signal: deadline.signal });
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
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}
