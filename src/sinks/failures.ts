import { PartialWriteError } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import type { SinkErrorKind } from './sink.js';

/** One event a sink could not write, and why. @internal */
export interface EventFailure {
  readonly event: EventRecord;
  readonly error: unknown;
}

/**
 * Ends a write of `batch` that failed for `failures`: returns when there are none, throws the
 * cause when every event failed, else a {@link PartialWriteError} listing the failed events. The
 * cause is a transient error when there is any, so that the logger retries (the permanent
 * failures among them fail again and then go to the fallback alone). @internal
 */
export function throwFailures(
  batch: readonly EventRecord[],
  failures: readonly EventFailure[],
  classify: (error: unknown) => SinkErrorKind,
): void {
  const first = failures[0];
  if (first === undefined) return;
  const cause = (failures.find((f) => classify(f.error) === 'transient') ?? first).error;
  if (failures.length === batch.length) throw cause;
  throw new PartialWriteError(
    failures.map((f) => f.event),
    cause,
  );
}
