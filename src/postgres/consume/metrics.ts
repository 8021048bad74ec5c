import { type DurationSummary, Durations } from '../../lifecycle/durations.js';

/** A snapshot of one {@link Consumer} member's counters (this process), from `metrics()`. */
export interface ConsumerMetrics {
  /** Events the handler handled and this member committed (parked ones not included). */
  readonly handled: number;
  /** Transactions this member committed with the handler's work (one partition each). */
  readonly batches: number;
  /** Failed handler calls that were tried again (a batch, then each of its events alone). */
  readonly retries: number;
  /** Events this member parked in `dead_letters` (failing ones and those behind them). */
  readonly parked: number;
  /** Partitions whose lease this member found taken by another when committing (rolled back). */
  readonly leaseLost: number;
  /** Faults emitted as `error`. */
  readonly errors: number;
  /** Partitions this member holds now. */
  readonly partitionsOwned: number;
  /**
   * Events of this member's partitions committed and not yet handled, as of its last heartbeat
   * (counted up to 10,000: at least this many beyond).
   */
  readonly lagEvents: number;
  /** Age of the oldest of them, in milliseconds, as of the last heartbeat (0 when none). */
  readonly lagMs: number;
  /** Whether the LISTEN connection is up (false with `listen: false`). */
  readonly listening: boolean;
  /** How long the handler took per batch, in milliseconds; percentiles of the latest 1000. */
  readonly handleDurationMs: DurationSummary;
}

/** The counters behind {@link ConsumerMetrics}. @internal */
export class ConsumerCounters {
  handled = 0;
  batches = 0;
  retries = 0;
  parked = 0;
  leaseLost = 0;
  errors = 0;
  lagEvents = 0;
  lagMs = 0;
  readonly handleDuration = new Durations();

  snapshot(partitionsOwned: number, listening: boolean): ConsumerMetrics {
    const { handled, batches, retries, parked, leaseLost, errors, lagEvents, lagMs } = this;
    return {
      handled,
      batches,
      retries,
      parked,
      leaseLost,
      errors,
      partitionsOwned,
      lagEvents,
      lagMs,
      listening,
      handleDurationMs: this.handleDuration.snapshot(),
    };
  }
}
