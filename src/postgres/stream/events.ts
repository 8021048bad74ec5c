import type { WalError } from '../wal/errors.js';
import type { StreamError } from './errors.js';

/** The events an {@link EventStream} emits (eventemitter3; listeners are optional). */
export interface EventStreamEvents {
  /** The LISTEN connection came up, or was lost (a reconnect follows, with backoff). */
  listen: (info: { connected: boolean; error?: unknown }) => void;
  /**
   * A fault in the background: a shared read failed (`STREAM_READ`; it is tried again at the
   * next poll or notification), or an `onReady` callback threw (`STREAM_CALLBACK`). A read cut
   * short by the loss of the LISTEN connection is not one: `listen` reports the loss, and the
   * read after the reconnect takes over. With `source: 'wal'`, a `WalError` when the slot's
   * connection failed (every subscription then ended with it, to resume from its cursor), and
   * `STREAM_READ` for a failed reading of the cursors' floor. Unheard, the first one becomes a
   * process warning.
   */
  error: (error: StreamError | WalError) => void;
}
