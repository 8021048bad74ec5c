/** The events an {@link EventStream} emits (eventemitter3; listeners are optional). */
export interface EventStreamEvents {
  /** The LISTEN connection came up, or was lost (a reconnect follows, with backoff). */
  listen: (info: { connected: boolean; error?: unknown }) => void;
  /**
   * A read of the shared reader failed; it is tried again at the next poll or notification. (A
   * read cut short by the loss of the LISTEN connection is not one: `listen` reports the loss,
   * and the read after the reconnect takes over.)
   */
  error: (error: unknown) => void;
}
