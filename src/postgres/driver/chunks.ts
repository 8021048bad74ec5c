import { integer, type Spec } from '../../options/spec.js';
import type { Session } from './types.js';

/** Rows one purge statement deletes at most, so that none holds its locks for long. */
const CHUNK = 5000;

/**
 * The `olderThanMs` option of the purges: an age in milliseconds, 0 or more (any number of
 * years). @internal
 */
export function olderThanMsSpec(): Spec<number> {
  return integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
}

/**
 * Runs a purge statement until it deletes less than a chunk; resolves with the rows deleted in
 * all. The statement deletes rows older than `$1` (epoch ms), at most `$2` of them; `rest` are
 * its parameters from `$3` on. @internal
 */
export async function deleteInChunks(
  session: Pick<Session, 'query'>,
  statement: string,
  cutoff: number,
  ...rest: unknown[]
): Promise<number> {
  let deleted = 0;
  for (;;) {
    const { rowCount } = await session.query(statement, [cutoff, CHUNK, ...rest]);
    deleted += rowCount;
    if (rowCount < CHUNK) return deleted;
  }
}
