import { EventEmitter } from 'eventemitter3';

/**
 * An eventemitter3 emitter whose listeners cannot break the emitter's own work: when a listener
 * throws, the error is reported as a process warning (`EventrailListenerError`) instead of
 * propagating (listeners after it miss that one event). eventrail emits from its background
 * workers and from `logEvent`; a host's faulty `batch` or `drop` listener must not lose events,
 * stall a queue, or throw out of `logEvent`.
 * @internal
 */
export class ListenerSafeEmitter<
  Events extends EventEmitter.ValidEventTypes,
> extends EventEmitter<Events> {
  override emit<T extends EventEmitter.EventNames<Events>>(
    event: T,
    ...args: EventEmitter.EventArgs<Events, T>
  ): boolean {
    try {
      return super.emit(event, ...args);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.emitWarning(`a listener of '${String(event)}' threw: ${message}`, {
        type: 'EventrailListenerError',
        detail: error instanceof Error ? error.stack : undefined,
      });
      return true;
    }
  }
}
