import { MAX_OPTION_VALUE } from '../options/spec.js';

const idle = () => {};

/**
 * Keeps the process alive while promises the host awaits are pending. eventrail's background
 * timers (the idle flush, a retry's pause) are unreferenced so that they never keep a process
 * alive; but a host awaiting `flush()` at the top level of a script must not see the process
 * exit (code 13, an unsettled top-level await) with its events unwritten because only such a
 * timer was left. One referenced interval, held while at least one awaited promise is pending.
 * @internal
 */
export class ProcessHold {
  #pending = 0;
  #handle: NodeJS.Timeout | undefined;

  /** `promise`, with the process held until it settles. */
  during<T>(promise: Promise<T>): Promise<T> {
    if (this.#pending++ === 0) this.#handle = setInterval(idle, MAX_OPTION_VALUE);
    return promise.finally(() => {
      if (--this.#pending === 0) clearInterval(this.#handle);
    });
  }
}
