/** The events an {@link EventStream} emits (eventemitter3; listeners are optional). */
export interface EventStreamEvents {
  /** The LISTEN connection came up, or was lost (a reconnect follows, with backoff). */
  listen: (info: { connected: boolean; error?: unknown }) => void;
  /** A read of the shared reader failed; it is tried again at the next poll or notification. */
  error: (error: unknown) => void;
}
