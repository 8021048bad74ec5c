/**
 * What {@link within} saw: the work's value, or `done: false` when the time ran out or the
 * signal aborted first (the work may still finish later; nobody waits for it). @internal
 */
export type Waited<T> = { readonly done: true; readonly value: T } | { readonly done: false };

/** How long {@link within} waits. @internal */
export interface WithinOptions<T> {
  /** Gives up after this many milliseconds. @default no limit */
  readonly timeoutMs?: number;
  /**
   * Gives up when it aborts. A signal aborted already still lets work that settles in this turn
   * of the event loop count (a write that completed synchronously is not reported as lost).
   */
  readonly signal?: AbortSignal;
  /** Receives a value that arrives after giving up (to close a channel nobody will use). */
  readonly late?: (value: T) => void;
}

const GAVE_UP: Waited<never> = Object.freeze({ done: false });

/**
 * Waits for `work` until it settles, `timeoutMs` pass, or `signal` aborts, whichever comes
 * first; the package's one way of waiting with a deadline. Resolves with the value, or
 * `{ done: false }` when it gave up; rejects only with the work's own error (an error that comes
 * after giving up is ignored). The timer is referenced: a host awaiting a deadline stays alive
 * until it.
 * @internal
 */
export function within<T>(work: PromiseLike<T>, options: WithinOptions<T>): Promise<Waited<T>> {
  const { timeoutMs, signal, late } = options;
  return new Promise((resolve, reject) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (action: () => void): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', giveUp);
      action();
      return true;
    };
    const giveUp = () => finish(() => resolve(GAVE_UP));
    if (signal?.aborted) {
      timer = setTimeout(giveUp, 0);
    } else {
      signal?.addEventListener('abort', giveUp, { once: true });
      if (timeoutMs !== undefined) timer = setTimeout(giveUp, timeoutMs);
    }
    work.then(
      (value) => {
        if (!finish(() => resolve({ done: true, value }))) late?.(value);
      },
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/**
 * Waits for `work`, failed or not, as {@link within} does; true when it settled in time. For
 * the steps of a shutdown, whose errors change nothing. @internal
 */
export async function settledWithin(
  work: PromiseLike<unknown> | undefined,
  options: WithinOptions<unknown>,
): Promise<boolean> {
  if (work === undefined) return true;
  const swallowed = Promise.resolve(work).catch(() => undefined);
  return (await within(swallowed, options)).done;
}

/**
 * Waits for `work` unless `signal` aborts first, then rejects with the signal's reason: for a
 * write told to stop that might not listen. @internal
 */
export async function unlessAborted<T>(work: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  const waited = await within(work, { signal });
  if (!waited.done) throw signal.reason;
  return waited.value;
}

/**
 * Splits a shutdown deadline of `timeoutMs`: the work (draining, publishing) gets all but a
 * reserve, a quarter of it and at most one second, kept for what follows the cut (handing the
 * rest over, releasing rows, closing sinks), so that the whole returns by the deadline. @internal
 */
export function shutdownBudget(timeoutMs: number): { workMs: number; reserveMs: number } {
  const reserveMs = Math.min(1000, Math.floor(timeoutMs / 4));
  return { workMs: timeoutMs - reserveMs, reserveMs };
}

/** A promise and the function that resolves it (Promise.withResolvers is not in Node 20). @internal */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
