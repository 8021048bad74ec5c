import { describe, EventrailError } from '../../errors.js';

/** Why a {@link ReplayError} stopped a replay, or refused to start it. */
export type ReplayErrorCode =
  /**
   * The sink failed for good: a permanent error, an event it refused (invalid data), or a
   * transient error still failing after the retries. The sink's error is the `cause`.
   */
  | 'REPLAY_SINK_FAILED'
  /** The `signal` aborted; its reason is the `cause`. */
  | 'REPLAY_ABORTED'
  /** Reading the events or saving the checkpoint failed; the driver's error is the `cause`. */
  | 'REPLAY_DATABASE_FAILED'
  /**
   * A replay of that `name` has a checkpoint and `resume` was not set: it ran before (or is
   * half-way). Resume it (`resume: true`, `--resume`), or give another name.
   */
  | 'REPLAY_CHECKPOINT_EXISTS'
  /** A replay of that `name` is running now (in another process): its lock is held. */
  | 'REPLAY_BUSY';

/** How far a replay got before it stopped. */
export interface ReplayReach {
  /** Events the sink confirmed in this run. */
  readonly published: number;
  /**
   * The last event of the last batch the sink confirmed (for a named replay, what its
   * checkpoint holds now), or null when none was.
   */
  readonly lastEventId: string | null;
}

/** What stopped a replay, by code. */
const STOPPED = {
  REPLAY_SINK_FAILED: 'the sink failed',
  REPLAY_ABORTED: 'it was aborted',
  REPLAY_DATABASE_FAILED: 'the database failed',
} as const;

const NOTHING: ReplayReach = { published: 0, lastEventId: null };

/**
 * A replay stopped (the sink failed for good, its signal aborted) or could not start (its named
 * checkpoint exists, or another run holds it). Says how far it got: a named replay resumes from
 * there (`resume: true`).
 */
export class ReplayError extends EventrailError {
  /** Why the replay stopped, or did not start. */
  declare readonly code: ReplayErrorCode;
  /** Events the sink confirmed in this run before it stopped. */
  readonly published: number;
  /** The last event the sink confirmed in this run (in commit order), or null. */
  readonly lastEventId: string | null;

  constructor(code: ReplayErrorCode, message: string, reach = NOTHING, cause?: unknown) {
    super(code, message, cause === undefined ? undefined : { cause });
    this.published = reach.published;
    this.lastEventId = reach.lastEventId;
  }

  /** The replay stopped after `reach` because of `cause` (the sink's error, or the abort). @internal */
  static stopped(
    code: keyof typeof STOPPED,
    name: string | undefined,
    reach: ReplayReach,
    cause: unknown,
  ): ReplayError {
    const what = `${STOPPED[code]}: ${describe(cause)}`;
    const last = reach.lastEventId === null ? '' : ` (the last: ${reach.lastEventId})`;
    const resume = name === undefined ? '' : '; resume it (resume: true, --resume)';
    return new ReplayError(
      code,
      `replay stopped after publishing ${reach.published} event(s)${last}: ${what}${resume}`,
      reach,
      cause,
    );
  }
}
