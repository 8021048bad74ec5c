import { createHash } from 'node:crypto';
import { ValidationError } from '../../errors.js';
import { custom, type Spec } from '../../options/spec.js';
import { checkOut, isPool, type PooledClient } from './checkout.js';
import { explainMissingTable } from './missing.js';
import type { DriverResult, Executor, PgDatabase, QueryableLike, Rows, Session } from './types.js';

/** `pg` (node-postgres): a Pool, or a Client (its connection parameters tell it apart). */
function isNodePostgres(db: QueryableLike): boolean {
  return isPool(db) || 'connectionParameters' in db;
}

/** Runs statements on `client` as they are; a named one is prepared once on `pg`. @internal */
export function sessionOf(client: QueryableLike): Session {
  const prepares = isNodePostgres(client);
  return {
    async query<R>(text: string, params?: readonly unknown[], name?: string): Promise<Rows<R>> {
      const values = params as unknown[] | undefined;
      let result: DriverResult<R>;
      try {
        result = (await (prepares && name !== undefined
          ? (client as unknown as NamedQueryable).query({ name, text, values })
          : client.query(text, values))) as DriverResult<R>;
      } catch (error) {
        throw explainMissingTable(error);
      }
      return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? 0 };
    },
  };
}

/** `pg`'s query taking a config object: a named statement is prepared once per connection. */
interface NamedQueryable {
  query(config: { name: string; text: string; values?: unknown[] }): Promise<unknown>;
}

/**
 * The name a statement is prepared under: derived from its text, so one name never stands for
 * two texts (e.g. the same statement in two schemas). @internal
 */
export function statementName(text: string): string {
  return `eventrail_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
}

const DATABASE = 'a pg Pool or Client, a PGlite instance, or a drizzle database';

/** The client behind a drizzle database, or the database itself. @internal */
export function unwrapDatabase(db: PgDatabase, field = 'db'): QueryableLike {
  const client = db !== null && typeof db === 'object' && '$client' in db ? db.$client : db;
  if (client === null || typeof client !== 'object' || typeof client.query !== 'function') {
    throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${DATABASE}`);
  }
  return client as QueryableLike;
}

/** The `db` option of every Postgres part and function (required). @internal */
export function dbSpec(): Spec<PgDatabase> {
  return custom(DATABASE, (value, field) => {
    unwrapDatabase(value as PgDatabase, field);
    return value as PgDatabase;
  });
}

/** Wraps what the host passed into the small interface eventrail uses. @internal */
export function toExecutor(db: PgDatabase, field = 'db'): Executor {
  const client = unwrapDatabase(db, field);
  const direct = sessionOf(client);
  return {
    query: direct.query,
    async withSession(work) {
      if (!isPool(client)) return work(direct, client);
      const connection = await checkOut<PooledClient>(client);
      let failed: Error | undefined;
      try {
        return await work(sessionOf(connection), connection);
      } catch (error) {
        failed = error instanceof Error ? error : new Error(String(error));
        throw error;
      } finally {
        // A session that failed mid-way may hold a broken transaction or lock: discard it.
        connection.release(failed);
      }
    },
  };
}

/**
 * Runs `work` between `BEGIN` and `COMMIT` on one session; on a failure rolls back and rethrows
 * the failure. @internal
 */
export async function inTransaction<T>(session: Session, work: () => Promise<T>): Promise<T> {
  await session.query('BEGIN');
  try {
    const result = await work();
    await session.query('COMMIT');
    return result;
  } catch (error) {
    await session.query('ROLLBACK');
    throw error;
  }
}
