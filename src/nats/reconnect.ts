import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { type Backoff, backoffDelay } from '../retry/backoff.js';

/** The client's reconnect settings the sink sets. @internal */
export type ClientReconnectOptions = Required<
  Pick<NodeConnectionOptions, 'reconnect' | 'maxReconnectAttempts' | 'reconnectDelayHandler'>
>;

/**
 * Paces the NATS client's reconnects with eventrail's backoff. The client asks for a delay
 * (`reconnectDelayHandler`, no arguments) before every dial and again while it waits, and dials
 * once that long has passed since its previous dial; so the delay depends on the dials that
 * failed since the connection was lost (told through {@link dialing}), and stays the same,
 * jitter included, until the next dial. @internal
 */
export class ReconnectPacing {
  readonly #backoff: Backoff;
  /** Dials since the connection was lost. */
  #dials = 0;
  #delay: { readonly failures: number; readonly ms: number } | undefined;

  constructor(backoff: Backoff) {
    this.#backoff = backoff;
  }

  /**
   * The client's settings: no reconnect for `retries: 0`, at most `retries` failed dials in a
   * row (`-1`: no limit), and the delays of {@link delay}.
   */
  clientOptions(): ClientReconnectOptions {
    const { retries } = this.#backoff;
    return {
      reconnect: retries > 0,
      maxReconnectAttempts: retries === Number.POSITIVE_INFINITY ? -1 : retries,
      reconnectDelayHandler: () => this.delay(),
    };
  }

  /** A dial begins (the client's `reconnecting` status); returns how many failed before it. */
  dialing(): number {
    return this.#dials++;
  }

  /** The connection is back, or newly lost: counting starts over. */
  reset(): void {
    this.#dials = 0;
    this.#delay = undefined;
  }

  /** The pause between the previous dial and the next: `backoffDelay` of the dials that failed. */
  delay(): number {
    const failures = Math.max(1, this.#dials);
    if (this.#delay?.failures !== failures) {
      this.#delay = { failures, ms: backoffDelay(failures, this.#backoff) };
    }
    return this.#delay.ms;
  }
}
