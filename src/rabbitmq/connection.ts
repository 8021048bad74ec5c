import amqplib, {
  type ChannelModel,
  type RecoveringChannelModel,
  type RecoveryOptions,
  type SocketOptions,
} from 'amqplib';
import { deferred, within } from '../async/wait.js';
import { ClosedError, describe } from '../errors.js';
import { type Backoff, backoffDelay } from '../retry/backoff.js';
import { RabbitMQError, type RabbitMQErrorCode } from './errors.js';
import type { AmqpConnection } from './options.js';

/**
 * Where the sink's connection stands:
 * - `idle`: nothing opened yet; the first write connects.
 * - `connecting`: the first connection is being opened.
 * - `connected`: publishing.
 * - `blocked`: the broker blocked the connection (memory or disk alarm); writes wait up to
 *   `blockedTimeoutMs`, then fail as transient.
 * - `reconnecting`: the connection was lost or attempts fail; amqplib reconnects with backoff.
 * - `closed`: `close()` was called, a plain connection passed in closed (it cannot be reopened),
 *   or `reconnect.retries` attempts in a row failed.
 */
export type RabbitMQSinkState =
  | 'idle'
  | 'connecting'
  | 'connected'
  | 'blocked'
  | 'reconnecting'
  | 'closed';

/** Connection counters of a sink. */
export interface RabbitMQConnectionCounters {
  /** Connections established (the first, then one per reconnect). */
  connects: number;
  /** Connection attempts that failed (the first connection's and reconnects). */
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
  readonly reconnect: Backoff;
  readonly connectTimeoutMs: number;
  readonly blockedTimeoutMs: number;
  readonly onState: (state: RabbitMQSinkState, previous: RabbitMQSinkState) => void;
  /** A fault in the background: the connection lost, an attempt failed, recovery given up. */
  readonly onError: (error: RabbitMQError) => void;
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
  readonly counters: RabbitMQConnectionCounters = {
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
  /** The plain connection under the sink's own recovering one, while there is one. */
  #model: ChannelModel | undefined;

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
          ? new ClosedError('RabbitMQSink', 'close() was called; its writes are refused')
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

  /**
   * Destroys the socket of the sink's own connection (never one passed in): for a broker that
   * did not answer the close in time, so that nothing of the sink keeps the process alive.
   */
  abandon(): void {
    if (this.#options.connection !== undefined) return;
    type Socket = { destroy?: (error: Error) => void };
    const socket = (this.#model?.connection as { stream?: Socket } | undefined)?.stream;
    // With an error: amqplib then closes the connection and fails what awaits its confirms.
    socket?.destroy?.(new Error('the broker did not answer the close in time'));
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
        recovery: recoveryOptions(reconnect),
      })
      .then(
        // Listeners go on before the first attempt, which amqplib defers to the next turn.
        (connection) => this.#adopt(connection),
        (error: unknown) => this.#gaveUp(error),
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
      on('close', (error: unknown) => {
        // Closed by its owner (no error) is no fault of the broker's.
        if (error) this.#gaveUp(error, 'the connection closed');
        else this.#closedFor(new Error('connection closed'));
      });
      return;
    }
    on('connect', (model: unknown) => {
      this.counters.connects += 1;
      this.#model = model as ChannelModel;
      this.#failing = false;
      this.#set('connected');
    });
    on('disconnect', (error: unknown) => {
      this.counters.disconnects += 1;
      this.#model = undefined;
      this.#lastError = error;
      this.#failing = false;
      this.#set('reconnecting');
      this.#report('RABBITMQ_CONNECTION_LOST', 'lost the connection to the broker', error);
    });
    on('connect-failed', (error: unknown) => {
      this.counters.connectFailures += 1;
      this.#lastError = error;
      this.#failing = true;
      // Already reconnecting: the state does not change, but writes waiting for the connection
      // must learn that this attempt failed and fail at once.
      if (this.#state === 'reconnecting') this.#wakeWaiters();
      else this.#set('reconnecting');
      this.#report('RABBITMQ_UNAVAILABLE', 'cannot connect to the broker', error);
    });
    on('reconnect-failed', (error: unknown) => this.#gaveUp(error, 'gave up reconnecting'));
  }

  #closedFor(error: unknown): void {
    this.#lastError = error;
    this.#set('closed');
  }

  /** The connection is gone for good: closed, and reported. */
  #gaveUp(error: unknown, why = 'cannot open the connection'): void {
    if (this.#state === 'closed') return;
    this.#closedFor(error);
    this.#report('RABBITMQ_CLOSED', why, error);
  }

  /** Reports a fault, unless the sink is closing (its own close is none). */
  #report(code: RabbitMQErrorCode, message: string, cause: unknown): void {
    if (this.#stopped) return;
    this.#options.onError(new RabbitMQError(code, `${message}: ${describe(cause)}`, { cause }));
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

/**
 * amqplib's recovery with eventrail's backoff: the pause before attempt n + 1 is
 * `backoffDelay(n)`, and `retries` attempts in a row may fail (the first connection's too)
 * before it gives up. @internal
 */
export function recoveryOptions(backoff: Backoff): RecoveryOptions {
  return {
    calculateDelay: (attempt) => backoffDelay(attempt, backoff),
    maxRetries: backoff.retries,
    waitForConnect: false,
  };
}

function isRecovering(connection: AmqpConnection): connection is RecoveringChannelModel {
  return typeof (connection as Partial<RecoveringChannelModel>).waitForConnect === 'function';
}
