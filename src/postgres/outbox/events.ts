import type { OutboxPublisherError } from '../../errors.js';
import type { EventRecord } from '../../event/types.js';

/** The events an {@link OutboxPublisher} emits (eventemitter3; listeners are optional). */
export interface OutboxPublisherEvents {
  /** A claimed batch was settled: how many of its events ended each way. */
  batch: (info: {
    size: number;
    published: number;
    retried: number;
    failed: number;
    released: number;
    leaseLost: number;
    durationMs: number;
  }) => void;
  /** An event failed to publish and will be tried again after `delayMs`. */
  retry: (info: {
    event: EventRecord;
    sink: string;
    /** Failed attempts so far, this one included. */
    attempt: number;
    delayMs: number;
    error: unknown;
  }) => void;
  /** An event was marked `failed`: retries exhausted, or refused by a sink as invalid data. */
  failed: (info: { event: EventRecord; sink: string; attempts: number; error: unknown }) => void;
  /**
   * Events this publisher had published (or tried to) after its lease expired and another claim
   * took them: they may be delivered twice; their state is the other claim's to set.
   */
  leaseLost: (info: { ids: readonly string[] }) => void;
  /** The LISTEN connection came up, or was lost (a reconnect follows, with backoff). */
  listen: (info: { connected: boolean; error?: unknown }) => void;
  /** A claim, settle or LISTEN failed (an `OutboxPublisherError` with the driver's error as `cause`). */
  error: (error: OutboxPublisherError) => void;
}
