import { defineOptions } from '../../options/schema.js';
import { integer } from '../../options/spec.js';
import type { Session } from './types.js';

/** Rows one purge statement deletes at most, so that none holds its locks for long. */
const CHUNK = 5000;

/** Options of every purge: `OutboxAdmin.purgePublished`, `Inbox.purge`. */
export interface PurgeOptions {
  /**
   * Delete the rows (published outbox rows, a consumer's inbox records) of more than this many
   * milliseconds ago; 0 deletes every one.
   */
  readonly olderThanMs: number;
}

/** {@link PurgeOptions} as a table of specs. @internal */
export const purgeOptions = defineOptions<PurgeOptions>()('PurgeOptions', {
  olderThanMs: integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
});

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
