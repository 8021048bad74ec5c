import { describe, EventrailError } from '../errors.js';

/**
 * A part's figures could not be read for one collection of `instrument()`'s instruments (the
 * outbox publisher's `stats()` query failed): that collection has none of them. Emitted as the
 * instrumentation's `error` event; the part's own error is the `cause`.
 */
export class MetricsReadError extends EventrailError {
  /** The part whose figures were not read, e.g. `OutboxPublisher`. */
  readonly part: string;

  constructor(part: string, cause: unknown) {
    super('METRICS_READ', `the figures of the ${part} could not be read: ${describe(cause)}`, {
      cause,
    });
    this.part = part;
  }
}
