import { type DurationSummary, Durations } from '../lifecycle/durations.js';

/** Counters of one sink's pipeline, as returned by `EventLogger.metrics()`. */
export interface SinkMetrics {
  /** Events waiting in the queue, including callers blocked by a full queue. */
  readonly queueDepth: number;
  /** Events in writes that have not finished yet. */
  readonly inFlight: number;
  /** Events handed to this sink's pipeline since the logger started. */
  readonly received: number;
  /** Events the sink wrote. */
  readonly written: number;
  /** Successful writes (batches). */
  readonly batches: number;
  /**
   * Durations of successful writes, retries and their pauses included, in milliseconds (each
   * partial success of a batch counts as one).
   */
  readonly batchDurationMs: DurationSummary;
  /** Retry attempts after transient errors. */
  readonly retries: number;
  /** Writes that failed for good (each also emitted as an `error` event). */
  readonly errors: number;
  /** Events discarded: queue overflow under a drop policy, or a failed or absent fallback. */
  readonly dropped: number;
  /** Events handed to the fallback sink. */
  readonly fallback: number;
}

/** A snapshot of the whole logger, as returned by `EventLogger.metrics()`. */
export interface EventLoggerMetrics {
  /** Events that passed validation. */
  readonly accepted: number;
  /** Calls refused with a ValidationError. */
  readonly rejected: number;
  /** Per sink, by sink name. */
  readonly sinks: Readonly<Record<string, SinkMetrics>>;
}

/** Mutable counters behind {@link SinkMetrics}. @internal */
export class SinkCounters {
  received = 0;
  written = 0;
  batches = 0;
  retries = 0;
  errors = 0;
  dropped = 0;
  fallback = 0;
  readonly #durations = new Durations();

  recordBatch(size: number, durationMs: number): void {
    this.written += size;
    this.batches += 1;
    this.#durations.record(durationMs);
  }

  snapshot(queueDepth: number, inFlight: number): SinkMetrics {
    return {
      queueDepth,
      inFlight,
      received: this.received,
      written: this.written,
      batches: this.batches,
      batchDurationMs: this.#durations.snapshot(),
      retries: this.retries,
      errors: this.errors,
      dropped: this.dropped,
      fallback: this.fallback,
    };
  }
}
