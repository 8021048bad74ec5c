/**
 * A sink for unit tests that counts what it is asked to do and fails on command. It only
 * records and throws; all behaviour under test is the logger's.
 */
import type { EventRecord, Sink, SinkErrorKind, WriteContext } from '../../src/index.js';

export class TransientError extends Error {
  readonly kind = 'transient';
}
export class BadRowError extends Error {
  readonly kind = 'invalid-data';
}
export class FatalError extends Error {
  readonly kind = 'permanent';
}

export class FakeSink implements Sink {
  readonly name: string;
  /** Sizes of the write calls, successful or not, in call order. */
  readonly calls: number[] = [];
  /** Batches that were written. */
  readonly batches: EventRecord[][] = [];
  /** Failure scripted for the next calls, consumed one per call. */
  readonly failNext: Error[] = [];
  /** Refuse any batch containing an event for which this returns true. */
  rejectEvent: ((event: EventRecord) => boolean) | undefined;
  /** When set, writes wait for it before finishing. */
  gate: Promise<void> | undefined;
  /** Never finish any write (a stuck sink). */
  stuck = false;
  closed = 0;
  lastSignal: AbortSignal | undefined;

  constructor(name = 'fake') {
    this.name = name;
  }

  get written(): EventRecord[] {
    return this.batches.flat();
  }

  async write(batch: readonly EventRecord[], context: WriteContext): Promise<void> {
    this.calls.push(batch.length);
    this.lastSignal = context.signal;
    if (this.stuck) await new Promise(() => {});
    if (this.gate) await this.gate;
    const failure = this.failNext.shift();
    if (failure) throw failure;
    if (this.rejectEvent && batch.some(this.rejectEvent)) throw new BadRowError('row refused');
    this.batches.push([...batch]);
  }

  classifyError(error: unknown): SinkErrorKind {
    return (error as { kind?: SinkErrorKind }).kind ?? 'permanent';
  }

  async close(): Promise<void> {
    this.closed += 1;
  }
}

let counter = 0;

/** A valid event input; `i` goes into the payload so tests can find it again. */
export function makeEvent(i = counter++, extra: Record<string, unknown> = {}) {
  return {
    type: 'TASK_PROGRESS',
    userId: 'user-1',
    projectId: 'project-1',
    sessionId: 'session-1',
    payload: { i, progress: i % 100 },
    ...extra,
  };
}

/** A deferred promise, to open a FakeSink gate from the test. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
