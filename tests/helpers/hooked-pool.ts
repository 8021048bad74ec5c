/**
 * A pool whose checked-out clients wait for a hook before each statement: a test puts another
 * session's work (a removal by retention, an insert) between two statements of a part, at a
 * point no timing could hit reliably. The statements themselves run on the real database.
 */
import type pg from 'pg';

type Callback = (
  error: Error | undefined,
  client: pg.PoolClient | undefined,
  done: () => void,
) => void;

/** Binds `target`'s methods, so that a proxy's calls reach the real object. */
const passThrough = <T extends object>(target: T, key: string | symbol) => {
  const value = Reflect.get(target, key);
  return typeof value === 'function' ? value.bind(target) : value;
};

/** `pool`, whose checked-out clients await `before(text)` before sending each statement. */
export function hookedPool(pool: pg.Pool, before: (text: string) => Promise<void>): pg.Pool {
  const wrap = (client: pg.PoolClient): pg.PoolClient =>
    new Proxy(client, {
      get(target, key) {
        if (key !== 'query') return passThrough(target, key);
        return async (config: string | { text: string }, values?: unknown[]) => {
          await before(typeof config === 'string' ? config : config.text);
          return target.query(config as string, values);
        };
      },
    });
  return new Proxy(pool, {
    get(target, key) {
      if (key !== 'connect') return passThrough(target, key);
      return (callback?: Callback) => {
        if (callback === undefined) return target.connect().then(wrap);
        target.connect((error, client, done) =>
          callback(error ?? undefined, client === undefined ? undefined : wrap(client), done),
        );
      };
    },
  });
}
