import { EventrailError } from '../../errors.js';
import { lifecycle } from '../../lifecycle/log.js';
import { toExecutor } from '../driver/executor.js';
import type { Session } from '../driver/types.js';
import { type CommittedEvent, committedReads } from '../read/committed.js';
import { horizonGuard } from '../read/horizon-guard.js';
import { ORIGIN } from '../read/position.js';
import { type TableNames, tableNames } from '../sql/names.js';
import { type Checkpoint, NO_CHECKPOINT, takeCheckpoint } from './checkpoint.js';
import { ReplayError, type ReplayReach } from './errors.js';
import { type ReplayOptions, type ResolvedReplayOptions, resolveReplayOptions } from './options.js';
import { PublishStopped, publishAll } from './publish.js';
import { holding, walkIndex } from './session.js';

/** What a {@link replay} did. */
export interface ReplaySummary {
  /** Events the sink confirmed in this run. */
  readonly published: number;
  /**
   * When the run resumed a checkpoint: the last event it held (the run went on after it).
   * Null when it began at `from`.
   */
  readonly resumedFrom: string | null;
  /**
   * Where the run ended: the settled mark when it started, a Postgres transaction id (xid8) as
   * text. Every event of a transaction below it (created before `to`, when given) was in reach.
   */
  readonly upTo: string;
  /** `to` as given, or null. */
  readonly to: Date | null;
  /** The last event the sink confirmed, or null when there was nothing to publish. */
  readonly lastEventId: string | null;
  /** How long the run took, in milliseconds. */
  readonly durationMs: number;
}

/**
 * Publishes stored events again through `sink`, in commit order (the order of the live stream),
 * from `from` up to `to` or else the settled mark when it started: a finite run. Each message
 * keeps the event id as its id (`messageId`, `Nats-Msg-Id`), so NATS drops duplicates within
 * the stream's duplicate window and an `Inbox` consumer applies each event once. Writes are
 * batched and retried as a logger's are (the sink's `classifyError` says what is transient).
 *
 * With a `name` the run is resumable: its checkpoint advances after each batch the sink
 * confirmed, and `resume: true` continues after it. After a crash, the events published again
 * are at most those of the batches unconfirmed at that moment (`writesInFlight` ×
 * `maxBatchSize`). One connection of the pool is held while it runs. The sink is not closed.
 *
 * @throws {ValidationError} for bad options, before anything runs
 * @throws {CursorExpiredError} when `from` (a `Date`) or the checkpoint is older than what
 *   retention kept, or retention removes events it had yet to publish
 * @throws {ReplayError} when the sink fails for good, `signal` aborts, the database fails, or
 *   the named checkpoint exists (without `resume`) or is held by another run; it says how far
 *   the run got
 */
export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const o = resolveReplayOptions(options);
  const names = tableNames(o.schema);
  return toExecutor(o.db, 'options.db').withSession(async (session) => {
    const checkpoint =
      o.name === undefined
        ? NO_CHECKPOINT
        : await takeCheckpoint(session, names, o.name, o.from, o.resume);
    return holding(checkpoint, async () =>
      holding(await walkIndex(session, names), () => run(session, names, o, checkpoint)),
    );
  });
}

async function run(
  session: Session,
  names: TableNames,
  o: ResolvedReplayOptions,
  checkpoint: Checkpoint,
): Promise<ReplaySummary> {
  const started = performance.now();
  const { from, name, log } = o;
  const { resumed } = checkpoint;
  const what = resumed ? `the checkpoint of replay '${name}'` : 'options.from';
  const { read: checkHorizon } = await horizonGuard(session, names, from, resumed, what);
  const filters = { ...o.filters, from: from === 'start' ? null : from, to: o.to ?? null };
  const reads = committedReads(session, names, o.scope, filters);
  const after = resumed ?? ORIGIN;
  const upTo = await reads.mark();
  const total = o.progress === undefined ? 0 : await reads.count(after, upTo);
  const reach: { published: number; lastEventId: string | null } = {
    published: 0,
    lastEventId: null,
  };
  const details = { replay: name, sink: o.sink.name, from, to: o.to, resumedFrom: resumed?.id };
  lifecycle(log, 'info', details, 'eventrail replay started');
  const confirmed = async (batch: readonly CommittedEvent[]) => {
    const last = batch[batch.length - 1] as CommittedEvent;
    await checkpoint.advance(last.position);
    reach.published += batch.length;
    reach.lastEventId = last.record.id;
    try {
      o.progress?.({ ...reach, total, elapsedMs: performance.now() - started });
    } catch (error) {
      lifecycle(log, 'warn', { replay: name, err: error }, 'eventrail replay progress threw');
    }
  };
  const signal = o.signal ?? new AbortController().signal;
  try {
    await publishAll({
      reads,
      after,
      upTo,
      sink: o.sink,
      batchSize: batchSize(o),
      writesInFlight: o.writesInFlight,
      writeTimeoutMs: o.writeTimeoutMs,
      retry: o.retry,
      ratePerSecond: o.ratePerSecond,
      signal,
      checkHorizon,
      confirmed,
      retrying: (error, attempt, size) =>
        lifecycle(
          log,
          'debug',
          { replay: name, attempt, size, err: error },
          'eventrail replay retry',
        ),
    });
  } catch (error) {
    const stopped = stoppedBy(error, name, reach);
    lifecycle(log, 'error', { ...details, ...reach, err: stopped }, 'eventrail replay stopped');
    throw stopped;
  }
  const durationMs = performance.now() - started;
  lifecycle(log, 'info', { ...details, ...reach, durationMs }, 'eventrail replay done');
  return {
    ...reach,
    resumedFrom: resumed?.id ?? null,
    upTo: upTo.tx,
    to: o.to ?? null,
    durationMs,
  };
}

/** Events per read and write: a tenth of a second's worth when paced, at most `maxBatchSize`. */
function batchSize(o: ResolvedReplayOptions): number {
  const paced = o.ratePerSecond === undefined ? Infinity : Math.ceil(o.ratePerSecond / 10);
  return Math.min(o.maxBatchSize, paced);
}

/** The error a replay stopped by `error` rejects with. */
function stoppedBy(error: unknown, name: string | undefined, reach: ReplayReach): Error {
  if (error instanceof PublishStopped) {
    const code = error.aborted ? 'REPLAY_ABORTED' : 'REPLAY_SINK_FAILED';
    return ReplayError.stopped(code, name, { ...reach }, error.cause);
  }
  // Our own (a CursorExpiredError) as it is; the driver's, with how far the run got.
  if (error instanceof EventrailError) return error;
  return ReplayError.stopped('REPLAY_DATABASE_FAILED', name, { ...reach }, error);
}
