import type { BatchOutcome } from './settlement.js';

/** A snapshot of an {@link OutboxPublisher}, as returned by `metrics()`. */
export interface OutboxMetrics {
  /** Rows with status `pending` in the table (all publishers), read when `metrics()` ran. */
  readonly pending: number;
  /** Age of the oldest pending row (now − `created_at`), in milliseconds; 0 when none. */
  readonly oldestPendingAgeMs: number;
  /** Events this publisher published since it was created. */
  readonly published: number;
  /** Events this publisher scheduled for another attempt after a failure. */
  readonly retried: number;
  /** Events this publisher marked `failed` (retries exhausted, or refused as invalid data). */
  readonly failed: number;
  /** Events whose lease had been taken over by the time this publisher settled them. */
  readonly leaseLost: number;
  /** Events handed back untouched by `stop()`. */
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
  /**
   * `published_at − created_at` of the last 1000 events this publisher published, in
   * milliseconds (commit to publish, plus the writer's own time before commit). 0 when none.
   */
  readonly publishLatencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Whether the LISTEN connection is up (always false with `listen: false` or a plain Client). */
  readonly listening: boolean;
}

const WINDOW = 1000;

/** Counters and the latency window behind {@link OutboxMetrics}. @internal */
export class PublisherCounters {
  published = 0;
  retried = 0;
  failed = 0;
  leaseLost = 0;
  released = 0;
  batches = 0;
  errors = 0;
  inFlight = 0;
  readonly #latencies = new Float64Array(WINDOW);
  #samples = 0;

  /** Counts a settled batch. */
  add(outcome: BatchOutcome): void {
    this.published += outcome.published;
    this.retried += outcome.retried.length;
    this.failed += outcome.failed.length;
    this.released += outcome.released;
    this.leaseLost += outcome.lost.length;
    for (const ms of outcome.latenciesMs) {
      this.#latencies[this.#samples % WINDOW] = Math.max(0, ms);
      this.#samples += 1;
    }
  }

  latency(): OutboxMetrics['publishLatencyMs'] {
    const sorted = this.#latencies.slice(0, Math.min(this.#samples, WINDOW)).sort();
    if (sorted.length === 0) return { p50: 0, p99: 0, max: 0 };
    const at = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
    return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] as number };
  }
}
