import { settledWithin, within } from '../../async/wait.js';
import { ValidationError } from '../../errors.js';
import { type Backoff, backoffDelay } from '../../retry/backoff.js';
import { checkOut, isPool } from '../driver/checkout.js';
import { sessionOf } from '../driver/executor.js';
import { connectionFate } from '../driver/fate.js';
import type { PgPoolLike, QueryableLike } from '../driver/types.js';

/** Reconnect delays of the LISTEN connection: 100 ms, doubling, at most 5 s, equal jitter. */
const RECONNECT: Backoff = Object.freeze({
  retries: Number.POSITIVE_INFINITY,
  minDelayMs: 100,
  factor: 2,
  maxDelayMs: 5000,
  jitter: 'equal',
});

/**
 * How long checking out the LISTEN connection, each statement that sets it up, and each
 * statement its owner runs there may go without an answer before the connection is given up
 * (destroyed) and made anew: a database that stops answering, or a socket that died silently
 * (a NAT or load balancer forgot it: no answer, no error), must not hold the listener, its
 * owner, nor `close()`, until TCP gives up. An owner's statement the server is merely slow with
 * should end first, by a `statement_timeout` below this set in the target's `session`.
 * @internal
 */
export const LISTEN_TIMEOUT_MS = 10_000;

/**
 * A connection lost after being up this long was a good one: the backoff starts afresh. One
 * lost sooner (a server that takes connections and ends them, an owner's statement that fails
 * on every new one) keeps backing off.
 */
const STABLE_MS = 30_000;

/** What the listener reports: a notification, or the connection's state. @internal */
export interface ListenerHandlers {
  notified(): void;
  state(connected: boolean, error?: unknown): void;
}

/** A statement its owner runs on the LISTEN connection, prepared there under `name`. @internal */
export interface ListenerStatement {
  readonly text: string;
  readonly name: string;
}

/**
 * What {@link Listener.query} came back with: the rows; `none` when the listener holds no
 * connection now (down, PGlite, not listening: run the statement elsewhere); `lost` when the
 * connection was lost under it or gave no answer in time (dropped and made anew, reported
 * through `state`: the statement's work is for after the reconnect). @internal
 */
export type ListenerAnswer<R> = { readonly rows: R[] } | 'none' | 'lost';

/** A source of wake-ups. @internal */
export interface Listener {
  readonly connected: boolean;
  /** Resolves after the first attempt to listen, whether it worked or not. */
  readonly ready: Promise<void>;
  /**
   * Runs `statement` on the LISTEN connection, under the listener's policy: a connection that
   * gives no answer within {@link LISTEN_TIMEOUT_MS}, or is lost under the statement (see
   * `connectionFate`), is dropped and made anew with backoff (`lost`). Rejects with the
   * statement's own error; a connection that error leaves unfit (a prepared statement that no
   * longer fits) is made anew too.
   */
  query<R>(statement: ListenerStatement, values: readonly unknown[]): Promise<ListenerAnswer<R>>;
  close(): Promise<void>;
}

/** The part of a `pg` PoolClient the listener uses. */
interface ListeningClient extends QueryableLike {
  on(event: 'notification', listener: (message: { channel: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  release(destroy?: Error | boolean): void;
}

/** What to listen on: the channel, as NOTIFY names it, and the statements. */
export interface ListenTarget {
  readonly channel: string;
  readonly listen: string;
  readonly unlisten: string;
  /** Run on each new LISTEN connection before LISTEN: settings for what its owner runs there. */
  readonly session?: string;
}

/** The part of PGlite the listener uses. */
interface PGliteLike extends QueryableLike {
  onNotification(callback: (channel: string) => void): () => void;
}

const isPGlite = (db: QueryableLike): db is PGliteLike =>
  typeof (db as Partial<PGliteLike>).onNotification === 'function';

/**
 * Holds one pool client that LISTENs on `channel`, on which its owner may run statements
 * (`query`). When the connection fails, is terminated, gives a statement no answer or is left
 * unfit by one, it is destroyed (never returned to the pool still listening, nor with its
 * settings) and a new one is checked out after a backoff, for as long as the listener is open.
 */
class PoolListener implements Listener {
  connected = false;
  readonly ready: Promise<void>;
  readonly #pool: PgPoolLike;
  readonly #target: ListenTarget;
  readonly #on: ListenerHandlers;
  #client: ListeningClient | undefined;
  #failures = 0;
  /** When the connection now up came up. */
  #upSince: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** The latest connection attempt; `close()` waits for it. */
  #connecting: Promise<void>;

  constructor(pool: PgPoolLike, target: ListenTarget, on: ListenerHandlers) {
    this.#pool = pool;
    this.#target = target;
    this.#on = on;
    this.#connecting = this.#connect();
    this.ready = this.#connecting;
  }

  async #connect(): Promise<void> {
    this.#timer = undefined;
    let client: ListeningClient | undefined;
    try {
      const checkedOut = await within(checkOut<ListeningClient>(this.#pool), {
        timeoutMs: LISTEN_TIMEOUT_MS,
        late: (late) => late.release(true),
      });
      if (!checkedOut.done) throw new Error(`no connection within ${LISTEN_TIMEOUT_MS} ms`);
      client = checkedOut.value;
      const held = client;
      let lost: Error | undefined;
      const onLost = (error?: Error) => {
        if (lost) return;
        lost = error ?? new Error('the LISTEN connection ended');
        this.#drop(held, lost);
      };
      client.on('error', onLost);
      client.on('end', onLost);
      client.on('notification', (message) => {
        if (message.channel === this.#target.channel) this.#on.notified();
      });
      for (const statement of [this.#target.session, this.#target.listen]) {
        if (this.#closed || statement === undefined) continue;
        const answered = await within(client.query(statement), { timeoutMs: LISTEN_TIMEOUT_MS });
        const verb = statement.split(' ', 1)[0];
        if (!answered.done) throw new Error(`${verb} got no answer within ${LISTEN_TIMEOUT_MS} ms`);
      }
      if (lost) throw lost;
      if (this.#closed) {
        client.release(true);
        return;
      }
      this.#client = client;
      this.#upSince = performance.now();
      this.connected = true;
    } catch (error) {
      client?.release(true);
      this.#reconnectLater(error);
      return;
    }
    this.#on.state(true);
  }

  async query<R>(
    statement: ListenerStatement,
    values: readonly unknown[],
  ): Promise<ListenerAnswer<R>> {
    const client = this.#client;
    if (client === undefined) return 'none';
    const run = sessionOf(client).query<R>(statement.text, values, statement.name);
    try {
      const answer = await within(run, { timeoutMs: LISTEN_TIMEOUT_MS });
      if (answer.done) return { rows: answer.value.rows };
      const silent = `a statement on the LISTEN connection got no answer within ${LISTEN_TIMEOUT_MS} ms`;
      this.#drop(client, new Error(silent));
      return 'lost';
    } catch (error) {
      // Already dropped (its 'error' or 'end' came first): the loss is reported.
      if (this.#client !== client) return 'lost';
      const fate = connectionFate(error);
      if (fate !== 'kept') {
        this.#drop(client, error instanceof Error ? error : new Error(String(error)));
      }
      if (fate === 'lost') return 'lost';
      throw error;
    }
  }

  /**
   * Destroys `connection` if it is still the one that LISTENs, and reconnects with backoff
   * (reported as lost, with `error`).
   */
  #drop(connection: ListeningClient, error: Error): void {
    if (this.#client !== connection) return;
    this.#client = undefined;
    connection.release(true);
    this.#reconnectLater(error);
  }

  #reconnectLater(error: unknown): void {
    this.connected = false;
    if (this.#closed) return;
    if (this.#upSince !== undefined && performance.now() - this.#upSince >= STABLE_MS) {
      this.#failures = 0;
    }
    this.#upSince = undefined;
    this.#on.state(false, error);
    this.#failures += 1;
    this.#timer = setTimeout(
      () => {
        this.#connecting = this.#connect();
      },
      backoffDelay(this.#failures, RECONNECT),
    );
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    this.connected = false;
    // Closed means the connection has ended, not merely been asked to (bounded all the same).
    const ended = client && new Promise<void>((resolve) => client.on('end', () => resolve()));
    client?.release(true);
    await settledWithin(ended, { timeoutMs: LISTEN_TIMEOUT_MS });
    await this.#connecting;
  }
}

/**
 * PGlite runs in this process: LISTEN needs no connection of its own. (Its `listen()` helper
 * splices the channel into LISTEN and UNLISTEN unquoted, which a dotted name does not survive.)
 */
class PGliteListener implements Listener {
  connected = false;
  readonly ready: Promise<void>;
  readonly #db: PGliteLike;
  readonly #target: ListenTarget;
  readonly #off: () => void;

  constructor(db: PGliteLike, target: ListenTarget, on: ListenerHandlers) {
    this.#db = db;
    this.#target = target;
    this.#off = db.onNotification((channel) => {
      if (channel === target.channel) on.notified();
    });
    this.ready = db.query(target.listen).then(
      () => {
        this.connected = true;
        on.state(true);
      },
      (error) => on.state(false, error),
    );
  }

  async query(): Promise<'none'> {
    return 'none';
  }

  async close(): Promise<void> {
    this.#off();
    await this.ready;
    if (!this.connected) return;
    this.connected = false;
    await this.#db.query(this.#target.unlisten);
  }
}

const NOT_LISTENING: Listener = {
  connected: false,
  ready: Promise.resolve(),
  query: async () => 'none',
  close: async () => {},
};

/**
 * Starts listening on the channel the way `db` allows: a dedicated pool client, PGlite's
 * in-process notifications, or not at all (a single `pg` Client is the caller's connection; polling alone
 * then finds new rows).
 * @internal
 */
export function listen(db: QueryableLike, target: ListenTarget, on: ListenerHandlers): Listener {
  if (isPool(db)) return new PoolListener(db, target, on);
  if (isPGlite(db)) return new PGliteListener(db, target, on);
  return NOT_LISTENING;
}

/**
 * Refuses a pool of one connection when listening: the LISTEN client would hold it and every
 * claim would wait for it forever. @internal
 */
export function checkListenable(db: QueryableLike): void {
  if (isPool(db) && (db as { options?: { max?: number } }).options?.max === 1) {
    throw new ValidationError(
      'options.db',
      'VALIDATION_RANGE',
      'a pool of max 1 cannot hold the LISTEN connection and run claims; use max >= 2 or listen: false',
    );
  }
}
