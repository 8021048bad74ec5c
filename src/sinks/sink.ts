import { ValidationError, WriteTimeoutError } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import type { CloseOptions, Deadline } from '../lifecycle/close.js';
import { custom } from '../options/spec.js';
import type { PipelineOptions } from './pipeline-options.js';

/**
 * How a sink's error should be handled:
 * - `transient`: the same write may succeed later (connection lost, timeout, deadlock); retried.
 * - `invalid-data`: some event in the batch was refused (a constraint, a bad value); the batch is
 *   split to find the bad events, the rest is written, the bad ones go to the fallback sink.
 * - `permanent`: the write will not succeed as it is (missing table, no permission); the whole
 *   batch goes to the fallback sink.
 */
export type SinkErrorKind = 'transient' | 'invalid-data' | 'permanent';

/** What a sink's `write` is told besides the batch. */
export interface WriteContext {
  /** Aborted when the write times out or the logger's close deadline passes. */
  readonly signal: AbortSignal;
  /** Set when this sink is acting as a fallback: which sink failed, and why. */
  readonly failure?: {
    /** The name of the sink that could not write the events. */
    readonly sink: string;
    /** Its error. */
    readonly error: unknown;
  };
}

/**
 * A destination for events. A sink writes whole batches; it never sees an invalid event, and it
 * is called by one pipeline at a time with at most `writesInFlight` writes in flight.
 */
export interface Sink {
  /** Unique within one logger; used in metrics, events and close summaries. */
  readonly name: string;
  /** Writes the batch, or throws. Must be idempotent by event id where it can be. */
  write(batch: readonly EventRecord[], context: WriteContext): Promise<void>;
  /** Classifies an error thrown by `write`. Without it, {@link classifyCommonError} is used. */
  classifyError?(error: unknown): SinkErrorKind;
  /**
   * Pipeline settings this sink works best with (e.g. `writesInFlight: 2` for a database that
   * commits batches in parallel). Used where neither the logger's options nor the sink's
   * registration set a value.
   */
  readonly defaults?: PipelineOptions;
  /**
   * Releases what the sink opened itself, within `options.timeoutMs` (or until `options.signal`
   * aborts). Never ends a pool or connection the caller passed in. Called by the logger or
   * publisher that holds the sink, with what is left of its own close deadline.
   */
  close?(options?: CloseOptions): Promise<unknown>;
}

/**
 * Closes a sink (or nothing) within what is left of `deadline`; a `close` that throws instead of
 * rejecting is a rejection too, so callers that promise never to reject can settle it. @internal
 */
export function closeSink(sink: Sink | null | undefined, deadline?: Deadline): Promise<unknown> {
  const options = deadline && {
    timeoutMs: Math.floor(deadline.remainingMs),
    signal: deadline.signal,
  };
  return new Promise((resolve) => resolve(sink?.close?.(options)));
}

const SINK = 'a Sink (an object with a name and a write method)';

/** An option that is a sink (`sinks[i]`, a registration's `sink`, replay's `sink`). @internal */
export const sinkSpec = custom(SINK, (value, field) => {
  const sink = value as Partial<Sink> | null;
  if (
    typeof sink !== 'object' ||
    sink === null ||
    typeof sink.write !== 'function' ||
    typeof sink.name !== 'string'
  ) {
    throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${SINK}`);
  }
  return sink as Sink;
});

/**
 * Checks that `options.sinks[index]` is a sink whose name is not in `names`, then adds the name.
 * @internal
 */
export function checkSink(sink: Sink, index: number, names: Set<string>): void {
  if (typeof sink?.write !== 'function' || typeof sink.name !== 'string') {
    throw new ValidationError(`options.sinks[${index}]`, 'VALIDATION_TYPE', 'must be a Sink');
  }
  if (names.has(sink.name)) {
    throw new ValidationError(
      `options.sinks[${index}].name`,
      'VALIDATION_RANGE',
      `"${sink.name}" is used twice`,
    );
  }
  names.add(sink.name);
}

const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * The classification used for sinks that do not provide their own: socket-level failures and
 * write timeouts are transient, anything else is permanent.
 */
export function classifyCommonError(error: unknown): SinkErrorKind {
  if (error instanceof WriteTimeoutError) return 'transient';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_SOCKET_CODES.has(code)) return 'transient';
  const message = error instanceof Error ? error.message : '';
  if (/connection terminated|connection closed|socket hang up|not connected/i.test(message)) {
    return 'transient';
  }
  return 'permanent';
}
