/**
 * The one lifecycle contract of eventrail's long-running parts (the logger, the outbox
 * publisher, the event stream, the durable consumer, the maintenance timer, the broker sinks,
 * the HTTP API, the OpenTelemetry instrumentation): nothing starts in a constructor, `close()`
 * ends it under a deadline and says what was left, `metrics()` is a synchronous snapshot.
 */
import { defineOptions } from '../options/schema.js';
import { abortSignal, integer, type Spec } from '../options/spec.js';

/** Options of every part's `close()`. */
export interface CloseOptions {
  /**
   * How long `close()` may take, in milliseconds. At the deadline it stops waiting, and its
   * summary says what was left and where it stays. @default the part's `closeTimeoutMs` (10000)
   */
  readonly timeoutMs?: number;
  /** Aborting it ends `close()` at once, as if the deadline had passed. @default none */
  readonly signal?: AbortSignal;
}

/** What every `close()` resolves with; each part adds what was left and where it stays. */
export interface CloseSummary {
  /** True when the deadline (or the signal) cut the close short. */
  readonly timedOut: boolean;
}

/**
 * The contract every long-running part keeps:
 * - nothing starts in its constructor; a part that works on its own schedule has `start()`,
 *   the others start at their first use (the logger at its first event, a sink at its first
 *   write, the stream at its first subscription);
 * - `close(options?)` ends it within `timeoutMs` (default: the part's `closeTimeoutMs`) or when
 *   `signal` aborts, resolves with a summary of what was left and where it stays, never rejects
 *   (but for bad options), and returns the same promise when called again;
 * - `await using part = ...` closes it (`Symbol.asyncDispose`);
 * - `metrics()` is a synchronous snapshot of counters (anything that needs a query is an async
 *   method of its own, such as the publisher's `stats()`);
 * - faults in the background are `error` events carrying eventrail's error classes (reported
 *   once as a process warning when nobody listens), and lifecycle messages go to one optional
 *   `log`.
 */
export interface Lifecycle<
  TMetrics extends object = object,
  TSummary extends CloseSummary = CloseSummary,
> extends AsyncDisposable {
  /**
   * Ends the part within the deadline; resolves with what was left (the same promise on every call;
   * never rejects).
   */
  close(options?: CloseOptions): Promise<TSummary>;
  /** A synchronous snapshot of the part's figures. */
  metrics(): TMetrics;
}

/** The default of every part's `closeTimeoutMs`. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/** The `closeTimeoutMs` option of every part. @internal */
export function closeTimeoutSpec(): Spec<number> {
  return integer({ min: 0 }).default(DEFAULT_CLOSE_TIMEOUT_MS);
}

const closeOptions = defineOptions<CloseOptions>()('CloseOptions', {
  timeoutMs: integer({ min: 0 }).optional("the part's `closeTimeoutMs` (10000)"),
  signal: abortSignal().optional(),
});

/**
 * The deadline of one `close()`: `signal` aborts when `timeoutMs` have passed or the caller's
 * signal aborts. Its timer is referenced on purpose: a host awaiting `close()` stays alive until
 * the deadline. @internal
 */
export class Deadline {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly #controller = new AbortController();
  readonly #started = performance.now();
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  readonly #onAbort = () => this.#controller.abort();

  constructor(timeoutMs: number, caller?: AbortSignal) {
    this.timeoutMs = timeoutMs;
    this.signal = this.#controller.signal;
    this.#caller = caller;
    this.#timer = setTimeout(this.#onAbort, timeoutMs);
    if (caller?.aborted) this.#controller.abort();
    else caller?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Milliseconds left before the deadline (0 once passed or aborted). */
  get remainingMs(): number {
    if (this.signal.aborted) return 0;
    return Math.max(0, this.timeoutMs - (performance.now() - this.#started));
  }

  /** Whether the caller's signal, rather than the clock, ended the wait. */
  get abortedByCaller(): boolean {
    return this.#caller?.aborted === true;
  }

  /** Stops the timer and lets go of the caller's signal. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onAbort);
  }
}

/**
 * Makes a part's `close()` keep the contract: options checked (a bad one rejects at once and the
 * part stays open), one run under one {@link Deadline}, the same promise on every later call.
 * @internal
 */
export class Closer<S extends CloseSummary> {
  readonly #closeTimeoutMs: number;
  #closing: Promise<S> | undefined;

  constructor(closeTimeoutMs: number) {
    this.#closeTimeoutMs = closeTimeoutMs;
  }

  /** Whether `close()` has been called (and accepted). */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** Runs `run` once under the deadline `options` ask for; later calls get the same promise. */
  close(options: unknown, run: (deadline: Deadline) => Promise<S>): Promise<S> {
    if (this.#closing !== undefined) return this.#closing;
    let deadline: Deadline;
    try {
      const o = closeOptions.resolve(options);
      deadline = new Deadline(o.timeoutMs ?? this.#closeTimeoutMs, o.signal);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#closing = run(deadline).finally(() => deadline.dispose());
    return this.#closing;
  }
}
