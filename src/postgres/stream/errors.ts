import { EventrailError } from '../../errors.js';

/**
 * A subscriber fell `bufferSize` events behind: its buffer was dropped and its iteration ended
 * with this error, so that one slow reader never holds memory for every event that follows.
 * Subscribe again with `after: error.cursor` to carry on exactly where it stopped.
 */
export class SubscriberLaggedError extends EventrailError {
  /** The cursor of the last event the subscriber received (or of where it started). */
  readonly cursor: string;
  /** The buffer size it overflowed, in events. */
  readonly bufferSize: number;

  constructor(cursor: string, bufferSize: number) {
    super(
      'STREAM_SUBSCRIBER_LAGGED',
      `the subscriber fell ${bufferSize} events behind and was ended; resume with after: error.cursor`,
    );
    this.cursor = cursor;
    this.bufferSize = bufferSize;
  }
}

/** `subscribe()` was called after `close()` began. */
export class StreamClosedError extends EventrailError {
  constructor() {
    super('STREAM_CLOSED', 'the event stream is closed; no more subscriptions are accepted');
  }
}
