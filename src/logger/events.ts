import type { EventrailError } from '../errors.js';
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
  /** A batch was written. */
  batch: (info: { sink: string; size: number; durationMs: number }) => void;
  /** A write failed with a transient error and is about to be retried. */
  retry: (info: { sink: string; attempt: number; size: number; error: unknown }) => void;
  /** A write failed for good (usually a `SinkWriteError` whose `cause` is the sink's error). */
  error: (error: EventrailError) => void;
  /** Events were discarded. */
  drop: (info: { sink: string; events: readonly EventRecord[]; reason: DropReason }) => void;
  /** Events a sink could not write were handed to the fallback sink. */
  fallback: (info: { sink: string; events: readonly EventRecord[]; error: unknown }) => void;
}
