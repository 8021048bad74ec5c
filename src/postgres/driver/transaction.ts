import type { SQL, SQLChunk } from 'drizzle-orm';
import { ValidationError } from '../../errors.js';
import { explainMissingTable } from './missing.js';
import type { QueryableLike } from './types.js';

/**
 * A drizzle transaction: the `tx` of `db.transaction(async (tx) => ...)`, node-postgres or
 * PGlite. eventrail runs its statement with `tx.execute(sql)`, a drizzle `SQL` it makes; typed
 * structurally, so that these declarations need no drizzle-orm where it is not installed.
 */
export interface DrizzleTransactionLike {
  /** Runs one drizzle `SQL` statement on the transaction. */
  execute(query: unknown): PromiseLike<unknown>;
}

/**
 * The caller's open transaction, which `OutboxWriter.write` and {@link Inbox.handle} run
 * their statement on and never commit or roll back: a drizzle transaction, a `pg` Client or
 * PoolClient after `BEGIN`, or the `tx` of `pglite.transaction(async (tx) => ...)`.
 */
export type OutboxTransaction = DrizzleTransactionLike | QueryableLike;

/** Runs one parameterised statement on the caller's transaction. @internal */
export type RunInTransaction = (text: string, params: readonly unknown[]) => Promise<unknown>;

const HOW =
  'must be the open transaction: a drizzle `tx`, a pg client after BEGIN, or a PGlite `tx`';

function refuse(why: string): never {
  throw new ValidationError('tx', 'VALIDATION_TYPE', `${HOW}; got ${why}`);
}

/**
 * Turns `$1`-style SQL and its parameters into a drizzle `SQL` object. drizzle-orm is loaded
 * here, on first use, so that a host without drizzle never loads it.
 */
async function toDrizzleSql(text: string, params: readonly unknown[]): Promise<SQL> {
  const { sql } = await import('drizzle-orm');
  const parts = text.split(/\$(\d+)/);
  const chunks: SQLChunk[] = [];
  for (let i = 0; i < parts.length; i++) {
    chunks.push(
      i % 2 === 0 ? sql.raw(parts[i] as string) : sql.param(params[Number(parts[i]) - 1]),
    );
  }
  return sql.join(chunks);
}

/**
 * Finds how to run a statement on `tx`, and refuses what cannot be an open transaction: a pool
 * or a database (each statement would commit on its own), or a `pg` client that is idle (no
 * `BEGIN`). Throws a {@link ValidationError} for field `tx`.
 * @internal
 */
export function inTransaction(tx: OutboxTransaction): RunInTransaction {
  if (tx === null || typeof tx !== 'object') refuse(String(tx));
  const bag = tx as unknown as Record<string, unknown>;
  if ('$client' in bag) refuse('a drizzle database; pass the tx of db.transaction()');
  if (typeof bag.query === 'function') {
    if ('totalCount' in bag) refuse('a pg Pool; check out a client and BEGIN');
    if (typeof bag.transaction === 'function') {
      refuse('a PGlite instance; pass the tx of pglite.transaction()');
    }
    const status = (bag.getTransactionStatus as (() => string | null) | undefined)?.call(tx);
    if (status === 'I') refuse('a pg client outside a transaction; run BEGIN first');
    const client = tx as QueryableLike;
    return (text, params) =>
      client.query(text, params as unknown[]).catch((error) => {
        throw explainMissingTable(error);
      });
  }
  if (typeof bag.execute === 'function') {
    const drizzleTx = tx as DrizzleTransactionLike;
    return async (text, params) => {
      try {
        return await drizzleTx.execute(await toDrizzleSql(text, params));
      } catch (error) {
        throw explainMissingTable(error);
      }
    };
  }
  return refuse('an object with neither query() nor execute()');
}
