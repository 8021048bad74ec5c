import type { CloseSummary } from '../../lifecycle/close.js';
import type { DurationSummary } from '../../lifecycle/durations.js';

/** A snapshot of an {@link EventStream}, as returned by `metrics()`. */
export interface EventStreamMetrics {
  /** Subscriptions open now, reading their history or live. */
  readonly subscribers: number;
  /** Events taken by subscribers since the stream was made (one per event and subscriber). */
  readonly delivered: number;
  /** Subscribers ended with a `SubscriberLaggedError` for falling `bufferSize` events behind. */
  readonly lagged: number;
  /**
   * Shared reads done (each reads up to `readSize` rows after the head, for every subscriber);
   * with `source: 'wal'`, transactions the slot handed over.
   */
  readonly reads: number;
  /** Faults reported as `error` events: failed shared reads, `onReady` callbacks that threw. */
  readonly errors: number;
  /**
   * Whether the LISTEN connection is up (always false with `listen: false` or a plain Client);
   * with `source: 'wal'`, whether the slot streams.
   */
  readonly listening: boolean;
  /** Duration of each shared read (with `source: 'wal'`, of handing over a transaction), in ms. */
  readonly readDurationMs: DurationSummary;
}

/** What {@link EventStream.close} resolves with. */
export interface EventStreamCloseSummary extends CloseSummary {
  /**
   * Subscriptions the close ended (their iterations finished); their consumers resume from
   * their cursors (`subscription.cursor`, or an SSE client's `Last-Event-ID`) on a new stream.
   */
  readonly ended: number;
}
