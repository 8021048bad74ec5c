/**
 * Waits for `work` at most `ms` milliseconds. Resolves with `{ value }`, or `undefined` when the
 * time is up; rejects with the work's error, or with the signal's reason when it aborts first.
 * A value that arrives too late is handed to `late` (to close a channel nobody will use).
 * @internal
 */
export function waitAtMost<T>(
  work: Promise<T>,
  ms: number,
  signal: AbortSignal,
  late?: (value: T) => void,
): Promise<{ value: T } | undefined> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (action: () => void): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      action();
      return true;
    };
    const onAbort = () => settle(() => reject(signal.reason));
    const timer = setTimeout(() => settle(() => resolve(undefined)), ms);
    timer.unref();
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        if (!settle(() => resolve({ value }))) late?.(value);
      },
      (error: unknown) => settle(() => reject(error)),
    );
  });
}

/** A promise and the function that resolves it (Promise.withResolvers is not in Node 20). @internal */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
