import { describe, EventrailError } from '../../errors.js';

/**
 * A subscriber fell `bufferSize` events behind: its buffer was dropped and its iteration ended
 * with this error, so that one slow reader never holds memory for every event that follows.
 * Subscribe again with `from: error.cursor` to carry on exactly where it stopped.
 */
export class SubscriberLaggedError extends EventrailError {
  /** The cursor of the last event the subscriber received (or of where it started). */
  readonly cursor: string;
  /** The buffer size it overflowed, in events. */
  readonly bufferSize: number;

  constructor(cursor: string, bufferSize: number) {
    super(
      'STREAM_SUBSCRIBER_LAGGED',
      `the subscriber fell ${bufferSize} events behind and was ended; resume with from: error.cursor`,
    );
    this.cursor = cursor;
    this.bufferSize = bufferSize;
  }
}

/** What a {@link StreamError} is about: `STREAM_READ`, or `STREAM_CALLBACK`. */
export type StreamErrorCode =
  /**
   * A shared read failed (the database refused it or was unreachable through `db`); it is tried
   * again at the next poll or notification. The loss of the LISTEN connection under a read is
   * not one: the `listen` event reports it, and the read after the reconnect takes over.
   */
  | 'STREAM_READ'
  /** A callback given to `Subscription.onReady` threw; the stream went on. */
  | 'STREAM_CALLBACK';

/**
 * A fault in the stream's background work, emitted as its `error` event (never thrown) and
 * counted in `metrics().errors`. The driver's (or the callback's) error is the `cause`.
 */
export class StreamError extends EventrailError {
  declare readonly code: StreamErrorCode;

  constructor(code: StreamErrorCode, cause: unknown) {
    const what = code === 'STREAM_READ' ? 'a shared read failed' : 'an onReady callback threw';
    super(code, `event stream: ${what}: ${describe(cause)}`, { cause });
  }
}
