import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { NatsError } from './errors.js';
import type { NatsReconnectOptions } from './options.js';

/**
 * Where a {@link NatsSink}'s connection stands: `idle` (not opened yet, or the last attempt
 * failed and the next write tries again after the backoff), `connecting`, `connected`,
 * `reconnecting` (lost; the client is reconnecting with backoff, writes fail at once), `closed`.
 */
export type NatsSinkState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

/** Connection counters of a {@link NatsSink}. */
export interface NatsConnectionCounters {
  /** Connections opened (the first, and new ones after a failed or closed one). */
  connects: number;
  /** Attempts to open a connection that failed. */
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
  readonly reconnect: Required<NatsReconnectOptions>;
  readonly connectTimeoutMs: number;
  readonly onState: (state: NatsSinkState, previous: NatsSinkState) => void;
}

/**
 * The sink's connection: opened on demand (one attempt at a time, capped exponential backoff
 * between failed attempts), reconnected by the client with the same backoff, and watched so
 * that writes in flight learn at once when it drops. @internal
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
  #failedAttempts = 0;
  #retryAt = 0;
  #lastError: unknown;
  #reconnectAttempts = 0;
  /** Increases with every connection and reconnection: what was checked on an older one is stale. */
  generation = 0;
  readonly #lost = new Set<(error: NatsError) => void>();
  readonly #options: NatsLinkOptions;

  constructor(options: NatsLinkOptions) {
    this.#options = options;
  }

  get state(): NatsSinkState {
    return this.#state;
  }

  /** The open connection; opens one if none (bounded), or fails at once while none can be had. */
  ready(): Promise<NatsConnection> {
    if (this.#state === 'closed') return Promise.reject(closedError());
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
    this.#setState('closed');
  }

  /** Closes the sink's own connection (never one passed in), after an opening one settles. */
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
          reconnect: true,
          maxReconnectAttempts: -1,
          waitOnFirstConnect: false,
          reconnectDelayHandler: () => this.#delay(this.#reconnectAttempts++),
        }));
      if (connection.isClosed()) throw closedError();
      if (this.#state === 'closed') {
        if (!given) await connection.close().catch(() => undefined);
        throw closedError();
      }
      this.#connection = connection;
      this.#failedAttempts = 0;
      this.counters.connects += 1;
      this.generation += 1;
      this.#watch(connection);
      this.#setState('connected');
      return connection;
    } catch (error) {
      if (this.#state !== 'closed') {
        this.counters.connectFailures += 1;
        this.#lastError = error;
        this.#retryAt = Date.now() + this.#delay(this.#failedAttempts++);
        this.#setState(given ? 'closed' : 'idle');
      }
      throw error instanceof NatsError
        ? error
        : new NatsError('NATS_UNAVAILABLE', `cannot connect to NATS: ${String(error)}`, {
            cause: error,
          });
    }
  }

  #watch(connection: NatsConnection): void {
    void (async () => {
      for await (const status of connection.status()) {
        if (status.type === 'disconnect') {
          this.counters.disconnects += 1;
          this.#setState('reconnecting');
          this.#drop(
            new NatsError('NATS_CONNECTION_LOST', `lost the connection to ${status.server}`),
          );
        } else if (status.type === 'reconnect') {
          this.counters.reconnects += 1;
          this.#reconnectAttempts = 0;
          this.generation += 1;
          this.#setState('connected');
        }
      }
    })().catch(() => undefined);
    void connection.closed().then(() => {
      if (this.#connection !== connection) return;
      this.#connection = undefined;
      this.#drop(closedError());
      // A connection passed in cannot be reopened; one of ours is, on the next write.
      this.#setState(this.#options.connection ? 'closed' : 'idle');
    });
  }

  #drop(error: NatsError): void {
    for (const listener of [...this.#lost]) listener(error);
  }

  #delay(attempt: number): number {
    const { minDelayMs, maxDelayMs, factor } = this.#options.reconnect;
    return Math.min(maxDelayMs, minDelayMs * factor ** attempt);
  }

  #setState(state: NatsSinkState): void {
    const previous = this.#state;
    if (previous === state || previous === 'closed') return;
    this.#state = state;
    this.#options.onState(state, previous);
  }
}

function closedError(): NatsError {
  return new NatsError('NATS_CLOSED', 'the NATS sink or its connection is closed');
}
