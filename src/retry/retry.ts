import { type Backoff, backoffDelay } from './backoff.js';

/** How {@link retry} goes on. @internal */
export interface RetryPolicy {
  readonly backoff: Backoff;
  /**
   * Whether to try again after `error`, the `failures`-th failure (1 for the first attempt's);
   * asked only while retries remain. What it does besides answering (counting, emitting) happens
   * before the pause.
   */
  readonly shouldRetry: (error: unknown, failures: number) => boolean;
  /** Stops retrying when it aborts: the pause ends, and the last error is thrown. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `attempt` until it resolves, `shouldRetry` says no, the retries run out or `signal`
 * aborts; between attempts waits the backoff's delay on an unreferenced timer (a retry in the
 * background never keeps the process alive; a host awaiting the result holds it itself). Rejects
 * with the last attempt's error. The one retry loop of eventrail. @internal
 */
export async function retry<T>(
  attempt: (failures: number) => Promise<T>,
  policy: RetryPolicy,
): Promise<T> {
  const { backoff, shouldRetry, signal } = policy;
  for (let failures = 0; ; ) {
    try {
      return await attempt(failures);
    } catch (error) {
      failures += 1;
      if (failures > backoff.retries || signal?.aborted || !shouldRetry(error, failures))
        throw error;
      if (!(await pause(backoffDelay(failures, backoff), signal))) throw error;
    }
  }
}

/** Waits `ms` on an unreferenced timer; false when `signal` aborted first. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (waited: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      resolve(waited);
    };
    const stop = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    timer.unref();
    signal?.addEventListener('abort', stop, { once: true });
  });
}
