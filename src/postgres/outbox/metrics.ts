import { type DurationSummary, Durations } from '../../lifecycle/durations.js';
import type { BatchOutcome } from './settlement.js';

/**
 * A snapshot of an {@link OutboxPublisher}'s counters, as returned by `metrics()` (synchronous;
 * the table's backlog is `stats()`).
 */
export interface OutboxPublisherMetrics {
  /** Events this publisher published since it was created. */
  readonly published: number;
  /** Events this publisher scheduled for another attempt after a failure. */
  readonly retried: number;
  /** Events this publisher marked `failed` (retries exhausted, or refused as invalid data). */
  readonly failed: number;
  /** Events whose lease had been taken over by the time this publisher settled them. */
  readonly leaseLost: number;
  /** Events handed back untouched (by `close()` at its deadline, or a claim given up). */
  readonly released: number;
  /** Claims that returned rows. */
  readonly batches: number;
  /**
   * Faults emitted as `error` (an `OutboxPublisherError`): claims, settlements or LISTEN
   * attempts that failed or got no answer in time, and publish cycles that failed unexpectedly.
   */
  readonly errors: number;
  /** Events claimed and not yet settled. */
  readonly inFlight: number;
  /** Whether the LISTEN connection is up (always false with `listen: false` or a plain Client). */
  readonly listening: boolean;
  /**
   * `published_at − created_at` of the events this publisher published, in milliseconds (commit
   * to publish, plus the writer's own time before commit); percentiles of the latest 1000.
   */
  readonly publishLatencyMs: DurationSummary;
}

/** The counters and the latencies behind {@link OutboxPublisherMetrics}. @internal */
export class PublisherCounters {
  published = 0;
  retried = 0;
  failed = 0;
  leaseLost = 0;
  released = 0;
  batches = 0;
  errors = 0;
  inFlight = 0;
  readonly latency = new Durations();

  /** Counts a settled batch. */
  add(outcome: BatchOutcome): void {
    this.published += outcome.published;
    this.retried += outcome.retried.length;
    this.failed += outcome.failed.length;
    this.released += outcome.released;
    this.leaseLost += outcome.lost.length;
    for (const ms of outcome.latenciesMs) this.latency.record(ms);
  }

  /** The snapshot, with whether LISTEN is up. */
  snapshot(listening: boolean): OutboxPublisherMetrics {
    return {
      published: this.published,
      retried: this.retried,
      failed: this.failed,
      leaseLost: this.leaseLost,
      released: this.released,
      batches: this.batches,
      errors: this.errors,
      inFlight: this.inFlight,
      listening,
      publishLatencyMs: this.latency.snapshot(),
    };
  }
}
