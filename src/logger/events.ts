import type { SinkWriteError } from '../errors.js';
import type { EventRecord } from '../event/types.js';

/** Why events were dropped. */
export type DropReason =
  /** The queue was full and the policy is `drop-newest`: the new event was not queued. */
  | 'overflow-newest'
  /** The queue was full and the policy is `drop-oldest`: the oldest queued event was discarded. */
  | 'overflow-oldest'
  /** The write failed and the fallback sink failed too (or there is none). */
  | 'fallback-failed';

/** The events an {@link EventLogger} emits (eventemitter3; listeners are optional). */
export interface EventLoggerEvents {
  /**
   * A batch was written: `size` events to `sink`, in `durationMs` milliseconds (retries and
   * their pauses included).
   */
  batch: (info: { sink: string; size: number; durationMs: number }) => void;
  /**
   * A write of `size` events to `sink` failed with a transient `error` and is about to be
   * retried; `attempt` counts the failures so far (1 after the first).
   */
  retry: (info: { sink: string; attempt: number; size: number; error: unknown }) => void;
  /**
   * A write failed for good: a `SinkWriteError` (the sink's error as its `cause`), also when the
   * fallback sink failed in turn.
   */
  error: (error: SinkWriteError) => void;
  /** Events were discarded. */
  drop: (info: { sink: string; events: readonly EventRecord[]; reason: DropReason }) => void;
  /** Events a sink could not write were handed to the fallback sink. */
  fallback: (info: { sink: string; events: readonly EventRecord[]; error: unknown }) => void;
}
