import type { EventEmitter } from 'eventemitter3';
import { within } from '../async/wait.js';
import { SinkWriteError, WriteTimeoutError } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import type { ResolvedPipelineOptions } from '../sinks/pipeline-options.js';
import type { Sink } from '../sinks/sink.js';
import { splitRefused } from '../sinks/split-refused.js';
import { classifySinkError, type Unwritten, writeWithRetry } from '../sinks/write-retry.js';
import type { EventLoggerEvents } from './events.js';
import type { SinkCounters } from './metrics.js';

/**
 * One batch taken from a queue. Parts of it may settle separately while bad events are being
 * isolated; `unsettled()` is what is left when the close deadline abandons it.
 * @internal
 */
export class BatchJob {
  readonly events: readonly EventRecord[];
  /** Queue sequence number of the first event; flush() waits on it. */
  readonly startSeq: number;
  #settled: Set<EventRecord> | undefined;
  #done = false;

  constructor(events: readonly EventRecord[], startSeq: number) {
    this.events = events;
    this.startSeq = startSeq;
  }

  settle(part: readonly EventRecord[]): void {
    if (part.length === this.events.length) {
      this.#done = true;
      return;
    }
    this.#settled ??= new Set();
    for (const event of part) this.#settled.add(event);
  }

  unsettled(): EventRecord[] {
    if (this.#done) return [];
    const settled = this.#settled;
    return settled ? this.events.filter((e) => !settled.has(e)) : [...this.events];
  }
}

/**
 * Writes batches to one sink: retries transient errors, splits batches that contain refused
 * events until the refused ones stand alone, and hands what cannot be written to the fallback.
 * Never throws: every outcome is counted and emitted.
 * @internal
 */
export class Delivery {
  readonly #sink: Sink;
  readonly #fallback: Sink | null;
  readonly #options: ResolvedPipelineOptions;
  readonly #counters: SinkCounters;
  readonly #emitter: EventEmitter<EventLoggerEvents>;
  /** Aborted when the close deadline passes: in-flight writes are told to stop. */
  readonly #abandon = new AbortController();

  constructor(
    sink: Sink,
    fallback: Sink | null,
    options: ResolvedPipelineOptions,
    counters: SinkCounters,
    emitter: EventEmitter<EventLoggerEvents>,
  ) {
    this.#sink = sink;
    this.#fallback = fallback;
    this.#options = options;
    this.#counters = counters;
    this.#emitter = emitter;
  }

  get abandoned(): boolean {
    return this.#abandon.signal.aborted;
  }

  /** Writes the whole job; resolves when every event of it is settled. */
  run(job: BatchJob): Promise<void> {
    return this.#deliver(job, job.events);
  }

  /**
   * Gives up on in-flight writes: hands their unsettled events to the fallback. The deadline has
   * passed: a fallback write that does not complete at once is given up (its events dropped).
   */
  abandon(jobs: Iterable<BatchJob>, reason: Error): Promise<void> {
    this.#abandon.abort(reason);
    const pending: Promise<void>[] = [];
    for (const job of jobs) {
      const events = job.unsettled();
      job.settle(job.events);
      if (events.length > 0) pending.push(this.handOff(events, reason));
    }
    return Promise.all(pending).then(() => undefined);
  }

  /** Hands events to the fallback sink (or drops them when there is none). */
  async handOff(events: readonly EventRecord[], error: unknown): Promise<void> {
    const counters = this.#counters;
    counters.errors += 1;
    this.#emitter.emit('error', new SinkWriteError(this.#sink.name, events.length, error));
    const fallback = this.#fallback;
    if (fallback === null) {
      this.#drop(events);
      return;
    }
    counters.fallback += events.length;
    // Bounded like a write (a stalled stderr pipe never drains), and cut at the close deadline.
    const { writeTimeoutMs } = this.#options;
    const controller = new AbortController();
    try {
      const written = await within(
        fallback.write(events, {
          signal: controller.signal,
          failure: { sink: this.#sink.name, error },
        }),
        { timeoutMs: writeTimeoutMs, signal: this.#abandon.signal },
      );
      if (!written.done) {
        const reason: unknown = this.#abandon.signal.aborted
          ? this.#abandon.signal.reason
          : new WriteTimeoutError(fallback.name, writeTimeoutMs);
        controller.abort(reason);
        throw reason;
      }
      this.#emitter.emit('fallback', { sink: this.#sink.name, events, error });
    } catch (fallbackError) {
      counters.fallback -= events.length;
      this.#emitter.emit('error', new SinkWriteError(fallback.name, events.length, fallbackError));
      this.#drop(events);
    }
  }

  #drop(events: readonly EventRecord[]): void {
    this.#counters.dropped += events.length;
    this.#emitter.emit('drop', { sink: this.#sink.name, events, reason: 'fallback-failed' });
  }

  #deliver(job: BatchJob, events: readonly EventRecord[]): Promise<void> {
    return splitRefused(events, async (part) => {
      const unwritten = await this.#writeWithRetry(job, part);
      if (unwritten === undefined || this.abandoned) return undefined;
      const { rest, error } = unwritten;
      if (classifySinkError(this.#sink, error) === 'invalid-data' && rest.length > 1) return rest;
      job.settle(rest);
      await this.handOff(rest, error);
      return undefined;
    });
  }

  #succeeded(job: BatchJob, events: readonly EventRecord[], started: number): void {
    if (this.abandoned || events.length === 0) return;
    job.settle(events);
    const durationMs = performance.now() - started;
    this.#counters.recordBatch(events.length, durationMs);
    this.#emitter.emit('batch', { sink: this.#sink.name, size: events.length, durationMs });
  }

  /**
   * Writes with retries of transient errors (see `writeWithRetry`), counting and emitting each
   * retry. Resolves with what is still unwritten and the last error, or undefined when all is.
   */
  #writeWithRetry(job: BatchJob, events: readonly EventRecord[]): Promise<Unwritten | undefined> {
    const started = performance.now();
    return writeWithRetry(events, {
      sink: this.#sink,
      writeTimeoutMs: this.#options.writeTimeoutMs,
      retry: this.#options.retry,
      signal: this.#abandon.signal,
      written: (part) => this.#succeeded(job, part, started),
      retrying: (error, failures, size) => {
        this.#counters.retries += 1;
        this.#emitter.emit('retry', { sink: this.#sink.name, attempt: failures, size, error });
      },
    });
  }
}
