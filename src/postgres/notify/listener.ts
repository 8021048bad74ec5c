import { settledWithin, within } from '../../async/wait.js';
import { ValidationError } from '../../errors.js';
import { type Backoff, backoffDelay } from '../../retry/backoff.js';
import { checkOut, isPool } from '../driver/checkout.js';
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
 * How long checking out the LISTEN connection, and each statement that sets it up, may take
 * before the attempt is given up (the connection destroyed) and retried: a database that stops
 * answering must not hold the listener, nor `stop()`, forever.
 */
const LISTEN_TIMEOUT_MS = 10_000;

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

/** A source of wake-ups. @internal */
export interface Listener {
  readonly connected: boolean;
  /**
   * The connection that LISTENs, for statements its owner runs there: `null` while it is down,
   * `undefined` when the listener holds none (PGlite, or not listening).
   */
  readonly connection: QueryableLike | null | undefined;
  /** Resolves after the first attempt to listen, whether it worked or not. */
  readonly ready: Promise<void>;
  /**
   * Destroys `connection` if it is still the one that LISTENs, and reconnects with backoff
   * (reported as lost, with `error`): for an owner whose statement on it got no answer, or
   * found the connection gone or unfit.
   */
  drop(connection: QueryableLike, error: Error): void;
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
 * Holds one pool client that LISTENs on `channel`, lent to its owner as `connection`. When the
 * connection fails, is terminated or is dropped by its owner it is destroyed (never returned to
 * the pool still listening, nor with its settings) and a new one is checked out after a
 * backoff, for as long as the listener is open.
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

  get connection(): QueryableLike | null {
    return this.#client ?? null;
  }

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
        this.drop(held, lost);
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

  drop(connection: QueryableLike, error: Error): void {
    if (this.#client !== connection) return;
    this.#client = undefined;
    (connection as ListeningClient).release(true);
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
  readonly connection = undefined;
  readonly ready: Promise<void>;
  drop(): void {}
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
  connection: undefined,
  ready: Promise.resolve(),
  drop: () => {},
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
