import type { EventsApiError } from './errors.js';

/** The events an {@link EventsApi} emits (eventemitter3; listeners are optional). */
export interface EventsApiEvents {
  /** A route failed unexpectedly; the client was answered a bare 500. */
  error: (error: EventsApiError) => void;
}
