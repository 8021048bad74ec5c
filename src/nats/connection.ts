import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { ClosedError, describe } from '../errors.js';
import { type Backoff, backoffDelay } from '../retry/backoff.js';
import { NatsError, type NatsErrorCode } from './errors.js';
import { ReconnectPacing } from './reconnect.js';

/**
 * Where a {@link NatsSink}'s connection stands: `idle` (not opened yet, or the last attempt
 * failed and the next write tries again after the backoff), `connecting`, `connected`,
 * `reconnecting` (lost; the client is reconnecting with backoff, writes fail at once), `closed`
 * (`close()` was called, a connection passed in closed, or `reconnect.retries` attempts in a
 * row failed).
 */
export type NatsSinkState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Connection counters of a {@link NatsSink}. */
export interface NatsConnectionCounters {
  /** Connections opened (the first, and new ones after a failed or closed one). */
  connects: number;
  /** Connection attempts that failed (openings and the client's reconnects). */
  connectFailures: number;
  /** Times an open connection was lost. */
  disconnects: number;
  /** Times the client got a lost connection back. */
  reconnects: number;
}

/** @internal */
export interface NatsLinkOptions {
  readonly servers: string | readonly string[] | undefined;
  readonly connection: NatsConnection | undefined;
  readonly connectOptions: Partial<NodeConnectionOptions> | undefined;
  readonly name: string;
  readonly reconnect: Backoff;
  readonly connectTimeoutMs: number;
  readonly onState: (state: NatsSinkState, previous: NatsSinkState) => void;
  /** A fault in the background: the connection lost, an attempt failed, reconnecting given up. */
  readonly onError: (error: NatsError) => void;
}

/**
 * The sink's connection: opened on demand (one attempt at a time, the backoff between failed
 * attempts), reconnected by the client with the same backoff, and watched so that writes in
 * flight learn at once when it drops. @internal
 */
export class NatsLink {
  readonly counters: NatsConnectionCounters = {
    connects: 0,
    connectFailures: 0,
    disconnects: 0,
    reconnects: 0,
  };
  #state: NatsSinkState = 'idle';
  #connection: NatsConnection | undefined;
  #opening: Promise<NatsConnection> | undefined;
  /** Openings that failed in a row. */
  #failures = 0;
  #retryAt = 0;
  #lastError: unknown;
  /** Closed by the sink: its own close is no fault to report. */
  #stopped = false;
  readonly #pacing: ReconnectPacing;
  /** Increases with every connection and reconnection: what was checked on an older one is stale. */
  generation = 0;
  readonly #lost = new Set<(error: NatsError) => void>();
  readonly #options: NatsLinkOptions;

  constructor(options: NatsLinkOptions) {
    this.#options = options;
    this.#pacing = new ReconnectPacing(options.reconnect);
  }

  get state(): NatsSinkState {
    return this.#state;
  }

  /** The open connection; opens one if none (bounded), or fails at once while none can be had. */
  ready(): Promise<NatsConnection> {
    if (this.#state === 'closed') {
      return Promise.reject(
        this.#stopped
          ? new ClosedError('NatsSink', 'close() was called; its writes are refused')
          : this.#closedError(),
      );
    }
    if (this.#state === 'connected' && this.#connection) return Promise.resolve(this.#connection);
    if (this.#state === 'reconnecting') {
      return Promise.reject(
        new NatsError('NATS_UNAVAILABLE', 'the connection to NATS is lost; reconnecting'),
      );
    }
    if (this.#opening) return this.#opening;
    if (Date.now() < this.#retryAt) {
      return Promise.reject(
        new NatsError('NATS_UNAVAILABLE', 'NATS cannot be reached; waiting to try again', {
          cause: this.#lastError,
        }),
      );
    }
    this.#opening = this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  /** Calls `listener` when the connection drops, until the returned function is called. */
  onLost(listener: (error: NatsError) => void): () => void {
    this.#lost.add(listener);
    return () => this.#lost.delete(listener);
  }

  /** Stops for good; then {@link release} closes what the link opened. */
  stop(): void {
    this.#stopped = true;
    this.#setState('closed');
  }

  /**
   * Closes the sink's own connection (never one passed in), after an opening one settles. The
   * client destroys its socket once what it buffered is handed to it, answer or not.
   */
  async release(): Promise<void> {
    await this.#opening?.catch(() => undefined);
    const connection = this.#connection;
    if (connection && this.#options.connection === undefined) await connection.close();
  }

  async #open(): Promise<NatsConnection> {
    this.#setState('connecting');
    const { connection: given, connectOptions, servers, name, connectTimeoutMs } = this.#options;
    try {
      const connection =
        given ??
        (await connect({
          ...connectOptions,
          servers: typeof servers === 'string' ? servers : [...(servers ?? [])],
          name: `eventrail/${name}`,
          timeout: connectTimeoutMs,
          waitOnFirstConnect: false,
          ...this.#pacing.clientOptions(),
        }));
      if (connection.isClosed()) throw this.#closedError();
      if (this.#state === 'closed') {
        if (!given) await connection.close().catch(() => undefined);
        throw this.#closedError();
      }
      this.#connection = connection;
      this.#failures = 0;
      this.counters.connects += 1;
      this.generation += 1;
      this.#watch(connection);
      this.#setState('connected');
      return connection;
    } catch (error) {
      if (this.#state !== 'closed') this.#failed(error, given !== undefined);
      throw error instanceof NatsError
        ? error
        : new NatsError('NATS_UNAVAILABLE', `cannot connect to NATS: ${String(error)}`, {
            cause: error,
          });
    }
  }

  /** An opening failed: try again after the backoff, or give up after `retries` in a row. */
  #failed(error: unknown, given: boolean): void {
    this.counters.connectFailures += 1;
    this.#lastError = error;
    this.#failures += 1;
    const { retries } = this.#options.reconnect;
    if (given || this.#failures > retries) {
      this.#setState('closed');
      this.#report('NATS_CLOSED', `gave up connecting after ${this.#failures} attempt(s)`, error);
      return;
    }
    this.#retryAt = Date.now() + backoffDelay(this.#failures, this.#options.reconnect);
    this.#setState('idle');
    this.#report('NATS_UNAVAILABLE', 'cannot connect to NATS', error);
  }

  #watch(connection: NatsConnection): void {
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === 'disconnect') {
          this.counters.disconnects += 1;
          this.#pacing.reset();
          this.#setState('reconnecting');
          const lost = `lost the connection to ${status.server}`;
          this.#drop(new NatsError('NATS_CONNECTION_LOST', lost));
          this.#report('NATS_CONNECTION_LOST', lost);
        } else if (status.type === 'reconnecting') {
          const failed = this.#pacing.dialing();
          if (failed > 0) {
            this.counters.connectFailures += 1;
            this.#report('NATS_UNAVAILABLE', `reconnect attempt ${failed} failed`);
          }
        } else if (status.type === 'reconnect') {
          this.counters.reconnects += 1;
          this.#pacing.reset();
          this.generation += 1;
          this.#setState('connected');
        }
      }
    })().catch(() => undefined);
    void connection.closed().then((error) => this.#closed(connection, error));
  }

  /**
   * The connection closed. One passed in cannot be reopened, nor one whose client gave up
   * reconnecting; one of ours closed otherwise is reopened on the next write.
   */
  #closed(connection: NatsConnection, error: unknown): void {
    if (this.#connection !== connection) return;
    this.#connection = undefined;
    this.#lastError = error;
    this.#drop(this.#closedError());
    const gaveUp = this.#state === 'reconnecting';
    if (this.#options.connection || gaveUp) {
      this.#setState('closed');
      if (error)
        this.#report(
          'NATS_CLOSED',
          gaveUp ? 'gave up reconnecting' : 'the connection closed',
          error,
        );
      return;
    }
    this.#setState('idle');
    if (error !== undefined) this.#report('NATS_CONNECTION_LOST', 'the connection closed', error);
  }

  #drop(error: NatsError): void {
    for (const listener of [...this.#lost]) listener(error);
  }

  /** Reports a fault, unless the sink is closing (its own close is none). */
  #report(code: NatsErrorCode, message: string, cause?: unknown): void {
    if (this.#stopped) return;
    const why = cause === undefined ? '' : `: ${describe(cause)}`;
    this.#options.onError(new NatsError(code, `${message}${why}`, { cause }));
  }

  #closedError(): NatsError {
    return new NatsError('NATS_CLOSED', 'the NATS sink or its connection is closed', {
      cause: this.#lastError,
    });
  }

  #setState(state: NatsSinkState): void {
    const previous = this.#state;
    if (previous === state || previous === 'closed') return;
    this.#state = state;
    this.#options.onState(state, previous);
  }
}
