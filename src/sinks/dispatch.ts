import { unlessAborted } from '../async/wait.js';
import { PartialWriteError, WriteTimeoutError } from '../errors.js';
import type { EventRecord } from '../event/types.js';
import { classifyCommonError, type Sink } from './sink.js';
import { splitRefused } from './split-refused.js';

/**
 * What happens to one claimed event after it was handed to the sinks:
 * - `published`: every sink took it.
 * - `retry`: a sink failed (transient or permanent error, or the lease ran out); try again later.
 * - `failed`: a sink refused this very event as invalid data; retrying the same bytes cannot help.
 * - `release`: `close()` cut the publish short; give the row back as it was.
 * @internal
 */
export type Verdict =
  | { readonly kind: 'published' }
  | { readonly kind: 'retry' | 'failed'; readonly sink: string; readonly error: unknown }
  | { readonly kind: 'release' };

/**
 * The abort reason of a claim whose lease ran out (on this process's clock) before it finished.
 * @internal
 */
export class LeaseExpired extends Error {
  readonly leaseMs: number;

  constructor(leaseMs: number) {
    super(`the database did not answer within the lease (${leaseMs} ms)`);
    this.name = 'LeaseExpired';
    this.leaseMs = leaseMs;
  }
}

const PUBLISHED: Verdict = { kind: 'published' };
const RELEASE: Verdict = { kind: 'release' };
/** When sinks disagree, the worse verdict wins. */
const RANK = { published: 0, release: 1, retry: 2, failed: 3 } as const;

function isInvalidData(sink: Sink, error: unknown): boolean {
  try {
    return (sink.classifyError?.(error) ?? classifyCommonError(error)) === 'invalid-data';
  } catch {
    return false;
  }
}

/**
 * Hands one claimed batch to every sink at once and returns a verdict per event. Each write is
 * cut short when `signal` aborts: with a {@link LeaseExpired} (the lease ran out) the events are
 * retried, with any other reason (`close()`) they are released. A batch refused as invalid data is
 * split in halves until the refused events stand alone; the rest is published. A
 * `PartialWriteError` settles the events it does not name. Never throws.
 * @internal
 */
export async function dispatch(
  sinks: readonly Sink[],
  events: readonly EventRecord[],
  signal: AbortSignal,
): Promise<Map<EventRecord, Verdict>> {
  const verdicts = new Map<EventRecord, Verdict>();
  const judge = (batch: readonly EventRecord[], verdict: Verdict) => {
    for (const event of batch) {
      const previous = verdicts.get(event);
      if (previous === undefined || RANK[verdict.kind] > RANK[previous.kind]) {
        verdicts.set(event, verdict);
      }
    }
  };

  /** Writes one part; returns what a sink refused as invalid data, to be split further. */
  const write = async (
    sink: Sink,
    batch: readonly EventRecord[],
  ): Promise<readonly EventRecord[] | undefined> => {
    if (signal.aborted) {
      stopped(sink, batch);
      return undefined;
    }
    try {
      await unlessAborted(sink.write(batch, { signal }), signal);
      judge(batch, PUBLISHED);
    } catch (thrown) {
      let rest = batch;
      let error = thrown;
      if (thrown instanceof PartialWriteError) {
        const failed = new Set(thrown.failed.map((e) => e.id));
        judge(
          batch.filter((e) => !failed.has(e.id)),
          PUBLISHED,
        );
        rest = batch.filter((e) => failed.has(e.id));
        error = thrown.cause;
      }
      if (rest.length === 0) return undefined;
      if (signal.aborted) stopped(sink, rest);
      else if (!isInvalidData(sink, error)) judge(rest, { kind: 'retry', sink: sink.name, error });
      else if (rest.length === 1) judge(rest, { kind: 'failed', sink: sink.name, error });
      else return rest;
    }
    return undefined;
  };

  const stopped = (sink: Sink, batch: readonly EventRecord[]) => {
    const reason = signal.reason;
    if (!(reason instanceof LeaseExpired)) return judge(batch, RELEASE);
    const error = new WriteTimeoutError(sink.name, reason.leaseMs);
    judge(batch, { kind: 'retry', sink: sink.name, error });
  };

  await Promise.all(sinks.map((sink) => splitRefused(events, (part) => write(sink, part))));
  return verdicts;
}
