import { EventEmitter } from 'eventemitter3';
import { describe } from './errors.js';

/**
 * An eventemitter3 emitter whose listeners cannot break the emitter's own work: when a listener
 * throws, the error is reported as a process warning (`EventrailListenerError`) instead of
 * propagating (listeners after it miss that one event). eventrail emits from its background
 * workers and from `logEvent`; a host's faulty `batch` or `drop` listener must not lose events,
 * stall a queue, or throw out of `logEvent`. An `error` with no listener is reported once as a
 * process warning.
 */
export class ListenerSafeEmitter<
  Events extends EventEmitter.ValidEventTypes,
> extends EventEmitter<Events> {
  #warned = false;

  /**
   * An `error` nobody listens to would vanish (eventemitter3 does not throw it): the first one
   * becomes a process warning (`EventrailUnhandledError`), once per emitter, so that a background
   * fault is never silent; counters still count every one.
   */
  #warnUnheard(error: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    process.emitWarning(
      `${describe(error)} (no 'error' listener on this ${this.constructor.name}; later errors are not reported as warnings)`,
      { type: 'EventrailUnhandledError', detail: stackOf(error) },
    );
  }

  override emit<T extends EventEmitter.EventNames<Events>>(
    event: T,
    ...args: EventEmitter.EventArgs<Events, T>
  ): boolean {
    if (event === 'error' && this.listenerCount(event) === 0) {
      this.#warnUnheard(args[0]);
      return false;
    }
    try {
      return super.emit(event, ...args);
    } catch (error) {
      const message = describe(error);
      process.emitWarning(`a listener of '${String(event)}' threw: ${message}`, {
        type: 'EventrailListenerError',
        detail: stackOf(error),
      });
      return true;
    }
  }
}

/** The stack of an error, if reading it does not throw. */
function stackOf(error: unknown): string | undefined {
  try {
    return error instanceof Error ? error.stack : undefined;
  } catch {
    return undefined;
  }
}
