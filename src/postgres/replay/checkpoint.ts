import { ValidationError } from '../../errors.js';
import type { Session } from '../driver/types.js';
import { comparePositions, ORIGIN, type StreamPosition } from '../read/position.js';
import type { TableNames } from '../sql/names.js';
import { type ReplayCheckpointRow, replaySql } from '../sql/replay.js';
import { ReplayError } from './errors.js';
import type { Held } from './session.js';

/** The checkpoint of a named replay, held (locked) by this run until `release()`. @internal */
export interface Checkpoint extends Held {
  /** Where the run goes on after: the checkpoint's position when it resumes one, else undefined. */
  readonly resumed: StreamPosition | undefined;
  /** Saves `position` as the last one the sink confirmed. */
  advance(position: StreamPosition): Promise<void>;
}

/** A run without a name: nothing is kept. @internal */
export const NO_CHECKPOINT: Checkpoint = {
  resumed: undefined,
  advance: async () => undefined,
  release: async () => undefined,
};

/** The consumer under which a replay of `name` keeps its checkpoint. */
const consumerOf = (name: string) => `replay:${name}`;

/**
 * Takes the checkpoint of the replay `name` on `session`: locks it for this run (refused with
 * `REPLAY_BUSY` when another holds it), then resumes it (with `resume`; refused when it was made
 * from another `from`), refuses it (`REPLAY_CHECKPOINT_EXISTS` without `resume`), or creates it
 * at the origin. @internal
 */
export async function takeCheckpoint(
  session: Session,
  names: TableNames,
  name: string,
  from: 'start' | Date,
  resume: boolean,
): Promise<Checkpoint> {
  const sql = replaySql(names);
  const consumer = consumerOf(name);
  const locked = await session.query<{ locked: boolean }>(sql.tryLock, [consumer]);
  if (!locked.rows[0]?.locked) {
    throw new ReplayError(
      'REPLAY_BUSY',
      `replay '${name}' is running elsewhere (its lock is held)`,
    );
  }
  const release = async () => void (await session.query(sql.unlock, [consumer]));
  try {
    const row = (await session.query<ReplayCheckpointRow>(sql.read, [consumer])).rows[0];
    const fromMs = from === 'start' ? null : from.getTime();
    if (row === undefined) {
      await session.query(sql.create, [consumer, fromMs, ORIGIN.tx, ORIGIN.id]);
    } else {
      check(name, row, fromMs, resume);
    }
    const position = row && { tx: row.tx, id: row.id };
    return {
      resumed: position && comparePositions(position, ORIGIN) > 0 ? position : undefined,
      advance: async ({ tx, id }) => void (await session.query(sql.advance, [consumer, tx, id])),
      release,
    };
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
}

/** Refuses to take `row` without `resume`, or when it was made from another `from`. */
function check(name: string, row: ReplayCheckpointRow, fromMs: number | null, resume: boolean) {
  if (!resume) {
    throw new ReplayError(
      'REPLAY_CHECKPOINT_EXISTS',
      `replay '${name}' has a checkpoint (after event ${row.id}): resume it (resume: true, --resume) or give another name`,
    );
  }
  const madeFrom = row.from_ms === null ? null : Math.round(row.from_ms);
  if (madeFrom !== fromMs) {
    const was = madeFrom === null ? "'start'" : new Date(madeFrom).toISOString();
    throw new ValidationError(
      'options.from',
      'VALIDATION_RANGE',
      `replay '${name}' was started from ${was}: resume it from the same`,
    );
  }
}
