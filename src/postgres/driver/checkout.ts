/**
 * Checking a client out of a `pg` Pool without a moment in which its errors go unheard.
 *
 * pg-pool takes its own 'error' listener off a client as it hands the client over, and it does so
 * inside the socket read that completed the connection. `await pool.connect()` resumes the caller
 * only after that read is parsed to its end, so an ErrorResponse in the same read (a backend
 * terminated as it started) is emitted on a client with no listener, which crashes the host.
 * pg-pool's callback runs within that read, so a listener added there is in time.
 */
import type { PgPoolLike, QueryableLike } from './types.js';

/** A client as a `pg` Pool hands it out. @internal */
export interface PooledClient extends QueryableLike {
  release(error?: Error | boolean): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** The callback form of `pg`'s `Pool.connect`. */
interface CallbackPool {
  connect(callback: (error: Error | undefined, client: PooledClient | undefined) => void): void;
}

/** Whether `db` is a `pg` Pool (or one shaped like it). @internal */
export function isPool(db: QueryableLike): db is PgPoolLike {
  return 'totalCount' in db && typeof (db as PgPoolLike).connect === 'function';
}

/** Clients that already carry the listener. */
const heard = new WeakSet<object>();

/**
 * Checks a client out of `pool`. An error the client reports between statements is heard (once
 * per client, for good) and leaves it unqueryable: the next statement on it fails, and whoever
 * holds it learns of the failure there. @internal
 */
export function checkOut<C extends object = PooledClient>(pool: PgPoolLike): Promise<C> {
  return new Promise((resolve, reject) => {
    (pool as unknown as CallbackPool).connect((error, client) => {
      if (error !== undefined && error !== null) return reject(error);
      const checkedOut = client as PooledClient;
      if (!heard.has(checkedOut)) {
        heard.add(checkedOut);
        checkedOut.on('error', () => {});
      }
      resolve(checkedOut as unknown as C);
    });
  });
}
