import { setTimeout as sleep } from 'node:timers/promises';
import type { Backoff } from '../../retry/backoff.js';
import type { Sink } from '../../sinks/sink.js';
import { type Unwritten, writeWithRetry } from '../../sinks/write-retry.js';
import type { CommittedEvent, CommittedReads } from '../read/committed.js';
import type { StreamPosition } from '../read/position.js';

/** What {@link publishAll} reads, where it writes, and whom it tells. @internal */
export interface PublishRun {
  readonly reads: CommittedReads;
  /** The read starts after this position... */
  readonly after: StreamPosition;
  /** ...and ends at this one (a settled mark). */
  readonly upTo: StreamPosition;
  readonly sink: Sink;
  readonly batchSize: number;
  readonly writesInFlight: number;
  readonly writeTimeoutMs: number;
  readonly retry: Backoff;
  readonly ratePerSecond: number | undefined;
  readonly signal: AbortSignal;
  /** Throws when events after `position` may have been removed by retention. */
  readonly checkHorizon: (position: StreamPosition) => Promise<void>;
  /** A batch the sink confirmed, in commit order: saves the checkpoint, counts it. */
  readonly confirmed: (batch: readonly CommittedEvent[]) => Promise<void>;
  /** Before each retry of a transient error. */
  readonly retrying: (error: unknown, failures: number, size: number) => void;
}

/** Why {@link publishAll} stopped before the end: the sink failed for good, or the signal aborted. @internal */
export class PublishStopped extends Error {
  readonly aborted: boolean;

  constructor(aborted: boolean, cause: unknown) {
    super('replay stopped', { cause });
    this.aborted = aborted;
  }
}

/** A batch handed to the sink, and its write (which never rejects). */
interface InFlight {
  readonly batch: readonly CommittedEvent[];
  readonly write: Promise<Unwritten | undefined>;
}

/**
 * Publishes every event after `run.after` up to `run.upTo`, in commit order: reads a batch while
 * the ones before it are written (at most `writesInFlight` at once), and confirms each batch in
 * order once the sink took it, so that a checkpoint never passes an event the sink did not take.
 * A new write starts only once the oldest of `writesInFlight` is confirmed: after a crash, only
 * the events of those batches may be published again. Throws {@link PublishStopped}, or what a
 * read, the horizon check or a confirmation threw; returns once everything in flight ended.
 * @internal
 */
export async function publishAll(run: PublishRun): Promise<void> {
  const { reads, upTo, batchSize, signal } = run;
  const pace = pacer(run.ratePerSecond, signal);
  const window: InFlight[] = [];
  let after = run.after;
  let reading: Promise<CommittedEvent[]> | undefined = reads.after(after, upTo, batchSize);
  try {
    while (reading !== undefined) {
      const batch = await reading;
      reading = undefined;
      // What was read after `after` was all there: retention removed nothing past it. Nothing
      // read is checked too: retention may have removed all that was left.
      await run.checkHorizon(after);
      if (batch.length === 0) break;
      after = (batch[batch.length - 1] as CommittedEvent).position;
      // Shorter than asked: nothing is left up to the mark. Else the next batch, read meanwhile.
      if (batch.length === batchSize) reading = reads.after(after, upTo, batchSize);
      while (window.length >= run.writesInFlight) await confirm(run, window.shift() as InFlight);
      await pace(batch.length);
      window.push({ batch, write: write(run, batch) });
    }
    while (window.length > 0) await confirm(run, window.shift() as InFlight);
  } finally {
    // Nothing may be left running on the session, or writing, when this returns.
    await Promise.allSettled([reading, ...window.map((w) => w.write)]);
  }
}

function write(run: PublishRun, batch: readonly CommittedEvent[]) {
  return writeWithRetry(
    batch.map((e) => e.record),
    {
      sink: run.sink,
      writeTimeoutMs: run.writeTimeoutMs,
      retry: run.retry,
      signal: run.signal,
      written: () => undefined,
      retrying: run.retrying,
    },
  );
}

/** Waits for the write of `inFlight`; confirms its batch, or throws why it failed. */
async function confirm(run: PublishRun, inFlight: InFlight): Promise<void> {
  const unwritten = await inFlight.write;
  if (unwritten !== undefined) throw new PublishStopped(run.signal.aborted, unwritten.error);
  await run.confirmed(inFlight.batch);
}

/**
 * Paces the batches at `ratePerSecond`: a batch starts once the events before it had their time.
 * Throws {@link PublishStopped} when `signal` aborts, paced or not.
 */
function pacer(ratePerSecond: number | undefined, signal: AbortSignal) {
  const started = performance.now();
  let sent = 0;
  return async (size: number) => {
    const wait =
      ratePerSecond === undefined ? 0 : started + (sent / ratePerSecond) * 1000 - performance.now();
    sent += size;
    try {
      if (wait > 0) await sleep(wait, undefined, { signal });
      signal.throwIfAborted();
    } catch (error) {
      throw new PublishStopped(true, signal.aborted ? signal.reason : error);
    }
  };
}
