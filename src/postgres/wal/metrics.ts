import { type DurationSummary, Durations } from '../../lifecycle/durations.js';

/**
 * What a {@link WalRelay} is doing: `idle` before `start()`, `active` while it reads the slot,
 * `standby` while another connection does (or while it reconnects), `closed` after `close()`.
 */
export type WalRelayState = 'idle' | 'active' | 'standby' | 'closed';

/** A snapshot of a {@link WalRelay}'s counters, as returned by `metrics()`. */
export interface WalRelayMetrics {
  /** Events every sink took, since the relay was created (a redelivery counts again). */
  readonly relayed: number;
  /** Batches handed to the sinks and confirmed. */
  readonly batches: number;
  /** Committed transactions confirmed to the server, with events of this schema or not. */
  readonly transactions: number;
  /** Events a sink refused as invalid data, alone in their write: skipped (a `failed` event). */
  readonly failed: number;
  /** Faults emitted as `error` (a `WalError`): sink failures retried, connections lost. */
  readonly errors: number;
  /** What it is doing now (see {@link WalRelayState}). */
  readonly state: WalRelayState;
  /** The position last confirmed to the server (`X/Y`), or null before the first. */
  readonly confirmedLsn: string | null;
  /**
   * Bytes of WAL between the server's end of WAL, as it last reported it on the replication
   * connection, and the confirmed position: what the slot holds back. 0 when not active.
   */
  readonly lagBytes: number;
  /**
   * Commit (the server's clock) to every sink having taken the transaction's events, in
   * milliseconds; percentiles of the latest 1000 transactions with events.
   */
  readonly relayLatencyMs: DurationSummary;
}

/** The counters behind {@link WalRelayMetrics}. @internal */
export class RelayCounters {
  relayed = 0;
  batches = 0;
  transactions = 0;
  failed = 0;
  errors = 0;
  state: WalRelayState = 'idle';
  readonly latency = new Durations();

  snapshot(position: { confirmedLsn: string | null; lagBytes: number }): WalRelayMetrics {
    return {
      relayed: this.relayed,
      batches: this.batches,
      transactions: this.transactions,
      failed: this.failed,
      errors: this.errors,
      state: this.state,
      ...position,
      relayLatencyMs: this.latency.snapshot(),
    };
  }
}
