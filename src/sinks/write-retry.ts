/**
 * One batch written to one sink, with the retries of transient errors the logger gives every
 * sink: each attempt bounded by `writeTimeoutMs`, a partial write followed by a retry of the
 * failed events alone, the sink's own `classifyError` deciding what is transient. The logger's
 * delivery and replay write this way.
 */
import { unlessAborted } from '../async/wait.js';
import { PartialWriteError, WriteTimeoutError } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import type { Backoff } from '../retry/backoff.js';
import { retry } from '../retry/retry.js';
import { classifyCommonError, type Sink, type SinkErrorKind } from './sink.js';

/**
 * How an error of `sink` is handled: a write timeout is transient whatever the sink thinks of
 * errors it does not know, a partial write is what its cause is, and a classifier that throws
 * means permanent. @internal
 */
export function classifySinkError(sink: Sink, error: unknown): SinkErrorKind {
  if (error instanceof WriteTimeoutError) return 'transient';
  if (error instanceof PartialWriteError) return classifySinkError(sink, error.cause);
  try {
    return sink.classifyError?.(error) ?? classifyCommonError(error);
  } catch {
    return 'permanent';
  }
}

/** How {@link writeWithRetry} writes. @internal */
export interface RetriedWrite {
  readonly sink: Sink;
  /** One attempt is aborted after this many milliseconds (a `WriteTimeoutError`, transient). */
  readonly writeTimeoutMs: number;
  readonly retry: Backoff;
  /** Stops everything: the attempt in flight is aborted with its reason, no retry follows. */
  readonly signal: AbortSignal;
  /** Events the sink took: part of them after a partial write, then the rest. */
  readonly written: (events: readonly EventRecord[]) => void;
  /** Called before each retry of a transient error, with the failures so far and the events left. */
  readonly retrying?: (error: unknown, failures: number, size: number) => void;
}

/** What {@link writeWithRetry} could not write, and the last error. @internal */
export interface Unwritten {
  readonly rest: readonly EventRecord[];
  readonly error: unknown;
}

/**
 * Writes `events` with retries of transient errors. After a partial write only the failed events
 * are tried again. Resolves with what is still unwritten and the last error (a permanent error,
 * retries spent, or the signal's reason), or undefined when every event was written. Never
 * rejects. @internal
 */
export async function writeWithRetry(
  events: readonly EventRecord[],
  write: RetriedWrite,
): Promise<Unwritten | undefined> {
  let rest = events;
  const attempt = async () => {
    try {
      await attemptWrite(write, rest);
    } catch (error) {
      if (!(error instanceof PartialWriteError)) throw error;
      // By id: a sink may report copies of the events it was given.
      const failed = new Set(error.failed.map((e) => e.id));
      write.written(rest.filter((e) => !failed.has(e.id)));
      rest = rest.filter((e) => failed.has(e.id));
      if (rest.length > 0) throw error;
    }
  };
  try {
    await retry(attempt, {
      backoff: write.retry,
      signal: write.signal,
      shouldRetry: (error, failures) => {
        if (classifySinkError(write.sink, error) !== 'transient') return false;
        write.retrying?.(error, failures, rest.length);
        return true;
      },
    });
  } catch (error) {
    return { rest, error };
  }
  write.written(rest);
  return undefined;
}

/** One write attempt, bounded by `writeTimeoutMs` and by the signal. */
async function attemptWrite(write: RetriedWrite, events: readonly EventRecord[]): Promise<void> {
  const { sink, writeTimeoutMs, signal } = write;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new WriteTimeoutError(sink.name, writeTimeoutMs)),
    writeTimeoutMs,
  );
  timer.unref();
  const stop = () => controller.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  try {
    await unlessAborted(sink.write(events, { signal: controller.signal }), controller.signal);
  } catch (error) {
    throw error instanceof Error ? error : new Error(String(error), { cause: error });
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
}
