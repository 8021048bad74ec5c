import amqplib, { type RecoveringChannelModel, type SocketOptions } from 'amqplib';
import { deferred, within } from '../async/wait.js';
import { RabbitMQError, type RabbitMQErrorCode } from './errors.js';
import type { AmqpConnection, ReconnectOptions } from './options.js';

/**
 * Where the sink's connection stands:
 * - `idle`: nothing opened yet; the first write connects.
 * - `connecting`: the first connection is being opened.
 * - `connected`: publishing.
 * - `blocked`: the broker blocked the connection (memory or disk alarm); writes wait up to
 *   `blockedTimeoutMs`, then fail as transient.
 * - `reconnecting`: the connection was lost or attempts fail; amqplib reconnects with backoff.
 * - `closed`: `close()` was called, or a plain connection passed in closed (it cannot be reopened).
 */
export type RabbitMQSinkState =
  | 'idle'
  | 'connecting'
  | 'connected'
  | 'blocked'
  | 'reconnecting'
  | 'closed';

/** Connection counters of a sink. */
export interface ConnectionCounters {
  /** Connections established (the first, then one per reconnect). */
  connects: number;
  /** Connection attempts that failed. */
  connectFailures: number;
  /** Established connections that were lost. */
  disconnects: number;
  /** Times the broker blocked the connection. */
  blocked: number;
  /** Time spent blocked, in milliseconds (finished episodes). */
  blockedMs: number;
}

/** @internal */
export interface BrokerLinkOptions {
  readonly url: string | undefined;
  readonly connection: AmqpConnection | undefined;
  readonly socketOptions: SocketOptions | undefined;
  readonly name: string;
  readonly reconnect: Required<ReconnectOptions>;
  readonly connectTimeoutMs: number;
  readonly blockedTimeoutMs: number;
  readonly onState: (state: RabbitMQSinkState, previous: RabbitMQSinkState) => void;
}

type Listener = (arg: unknown) => void;

/**
 * The sink's view of its connection: opens it (or adopts the host's), follows its state through
 * amqplib's events, and tells a write whether to go, wait (bounded) or fail at once.
 * Reconnection is amqplib's own recovery (`connect(url, { recovery })`); while the last attempt
 * failed, writes fail at once instead of waiting, so a dead broker never holds a pipeline.
 * @internal
 */
export class BrokerLink {
  readonly counters: ConnectionCounters = {
    connects: 0,
    connectFailures: 0,
    disconnects: 0,
    blocked: 0,
    blockedMs: 0,
  };
  readonly #options: BrokerLinkOptions;
  #state: RabbitMQSinkState = 'idle';
  #connection: AmqpConnection | undefined;
  /** True from a failed attempt until the next success: writes fail at once. */
  #failing = false;
  /** Closed by the sink, not by the connection's end. */
  #stopped = false;
  #lastError: unknown;
  #blockedSince = 0;
  /** Resolved at the next state change (then replaced). */
  #change = deferred();
  #listeners: [string, Listener][] = [];
  /** The sink's own connection, until amqplib hands it over. */
  #opening: Promise<void> | undefined;

  constructor(options: BrokerLinkOptions) {
    this.#options = options;
  }

  get state(): RabbitMQSinkState {
    return this.#state;
  }

  /** Milliseconds blocked, the current episode included. */
  get blockedMs(): number {
    const current = this.#state === 'blocked' ? performance.now() - this.#blockedSince : 0;
    return this.counters.blockedMs + current;
  }

  /**
   * The connection to open a channel on, once usable. Waits while the connection is being
   * opened (at most `connectTimeoutMs`) or is blocked (at most `blockedTimeoutMs`); fails at once
   * when the last attempt failed or the link is closed.
   */
  async usableConnection(signal: AbortSignal): Promise<AmqpConnection> {
    const started = performance.now();
    for (;;) {
      const state = this.#state;
      if (state === 'connected') return this.#connection as AmqpConnection;
      if (state === 'idle') {
        this.#start();
        continue;
      }
      if (state === 'closed') {
        throw this.#stopped
          ? this.#error('RABBITMQ_CLOSED', 'the sink is closed')
          : this.#error(
              'RABBITMQ_CLOSED',
              'the connection closed; the sink cannot reopen it',
              true,
            );
      }
      if (state === 'reconnecting' && this.#failing) {
        throw this.#error(
          'RABBITMQ_UNAVAILABLE',
          'the broker cannot be reached; reconnecting',
          true,
        );
      }
      const { blockedTimeoutMs, connectTimeoutMs } = this.#options;
      const limit = state === 'blocked' ? blockedTimeoutMs : connectTimeoutMs;
      const left = started + limit - performance.now();
      signal.throwIfAborted();
      const changed = left > 0 && (await within(this.#change.promise, { timeoutMs: left, signal }));
      signal.throwIfAborted();
      if (changed === false || !changed.done) {
        throw state === 'blocked'
          ? this.#error('RABBITMQ_BLOCKED', `the broker blocked the connection for ${limit} ms`)
          : this.#error('RABBITMQ_UNAVAILABLE', `no connection within ${limit} ms`, true);
      }
    }
  }

  /** Records an error of a channel or connection, reported as the cause of later failures. */
  noteError(error: unknown): void {
    this.#lastError = error;
  }

  /** Marks a usable connection seen (a recovering connection adopted after its first connect). */
  confirmConnected(): void {
    if (this.#state === 'connecting') this.#set('connected');
  }

  /** Stops: writes fail as `closed` from now on, and waiting ones wake. */
  stop(): void {
    this.#stopped = true;
    this.#set('closed');
  }

  /** Detaches from the connection; closes it only if the sink opened it. */
  async release(): Promise<void> {
    await this.#opening;
    const connection = this.#connection;
    if (connection === undefined) return;
    for (const [event, listener] of this.#listeners) connection.removeListener(event, listener);
    this.#listeners = [];
    if (this.#options.connection === undefined) {
      connection.on('error', () => {});
      await connection.close().catch(() => {});
    }
  }

  #start(): void {
    const given = this.#options.connection;
    if (given !== undefined) {
      this.#adopt(given);
      if (!isRecovering(given)) {
        this.#set('connected');
        return;
      }
      this.#set('connecting');
      given.waitForConnect().then(
        () => this.confirmConnected(),
        (error: unknown) => this.#closedFor(error),
      );
      return;
    }
    this.#set('connecting');
    const { url, socketOptions, name, reconnect, connectTimeoutMs } = this.#options;
    this.#opening = amqplib
      .connect(url as string, {
        timeout: connectTimeoutMs,
        ...socketOptions,
        clientProperties: {
          connection_name: `eventrail/${name}`,
          ...socketOptions?.clientProperties,
        },
        recovery: {
          initialDelay: reconnect.minDelayMs,
          maxDelay: reconnect.maxDelayMs,
          factor: reconnect.factor,
          maxRetries: Number.POSITIVE_INFINITY,
          waitForConnect: false,
        },
      })
      .then(
        // Listeners go on before the first attempt, which amqplib defers to the next turn.
        (connection) => this.#adopt(connection),
        (error: unknown) => this.#closedFor(error),
      );
  }

  #adopt(connection: AmqpConnection): void {
    this.#connection = connection;
    const on = (event: string, listener: Listener) => {
      connection.on(event, listener);
      this.#listeners.push([event, listener]);
    };
    on('error', (error: unknown) => this.noteError(error));
    on('blocked', () => {
      this.counters.blocked += 1;
      this.#blockedSince = performance.now();
      this.#set('blocked');
    });
    on('unblocked', () => {
      if (this.#state === 'blocked') this.#set('connected');
    });
    if (!isRecovering(connection)) {
      on('close', (error: unknown) => this.#closedFor(error ?? new Error('connection closed')));
      return;
    }
    on('connect', () => {
      this.counters.connects += 1;
      this.#failing = false;
      this.#set('connected');
    });
    on('disconnect', (error: unknown) => {
      this.counters.disconnects += 1;
      this.#lastError = error;
      this.#failing = false;
      this.#set('reconnecting');
    });
    on('connect-failed', (error: unknown) => {
      this.counters.connectFailures += 1;
      this.#lastError = error;
      this.#failing = true;
      // Already reconnecting: the state does not change, but writes waiting for the connection
      // must learn that this attempt failed and fail at once.
      if (this.#state === 'reconnecting') this.#wakeWaiters();
      else this.#set('reconnecting');
    });
    on('reconnect-failed', (error: unknown) => this.#closedFor(error));
  }

  #closedFor(error: unknown): void {
    this.#lastError = error;
    this.#set('closed');
  }

  #set(state: RabbitMQSinkState): void {
    const previous = this.#state;
    if (previous === state || previous === 'closed') return;
    if (previous === 'blocked') this.counters.blockedMs += performance.now() - this.#blockedSince;
    this.#state = state;
    this.#wakeWaiters();
    this.#options.onState(state, previous);
  }

  /** Wakes the writes waiting in `usableConnection()` to look at the state again. */
  #wakeWaiters(): void {
    const change = this.#change;
    this.#change = deferred();
    change.resolve();
  }

  /** An error for a write that cannot go; with `withCause`, the last connection error explains it. */
  #error(code: RabbitMQErrorCode, message: string, withCause = false): RabbitMQError {
    const cause = withCause ? this.#lastError : undefined;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return new RabbitMQError(code, `${message}${detail}`, { cause });
  }
}

function isRecovering(connection: AmqpConnection): connection is RecoveringChannelModel {
  return typeof (connection as Partial<RecoveringChannelModel>).waitForConnect === 'function';
}
