import { settledWithin, shutdownBudget } from '../../async/wait.js';
import { ListenerSafeEmitter } from '../../emitter.js';
import { PublisherStoppedError } from '../../errors.js';
import { checkLog, type LifecycleLog, lifecycle } from '../../lifecycle/log.js';
import { numberOption } from '../../options/validate.js';
import { closeSink, type Sink } from '../../sinks/sink.js';
import { toExecutor, unwrapDatabase } from '../driver/executor.js';
import { checkListenable, type Listener, listen } from '../notify/listener.js';
import { tableNames } from '../sql/names.js';
import { type OutboxSql, outboxSql } from '../sql/outbox.js';
import { OutboxAdmin } from './admin.js';
import { ClaimLoop } from './claim-loop.js';
import type { OutboxPublisherEvents } from './events.js';
import { OutboxLeases } from './leases.js';
import type { OutboxStats, PurgeOptions, ReprocessFilter } from './maintenance.js';
import { type OutboxMetrics, PublisherCounters } from './metrics.js';
import {
  type OutboxPublisherOptions,
  type ResolvedPublisherOptions,
  resolvePublisherOptions,
  resolveSinks,
} from './options.js';

/** Options of {@link OutboxPublisher.stop}. */
export interface StopOptions {
  /** How long in-flight batches may take to finish, in milliseconds. @default the publisher's `stopTimeoutMs` (10000) */
  readonly timeoutMs?: number;
}

/** The result of {@link OutboxPublisher.stop}. */
export interface StopSummary {
  /** True when in-flight batches were cut short at the deadline. */
  readonly timedOut: boolean;
  /** Events whose lease was cleared at the deadline, so that another publisher took them at once. */
  readonly released: number;
  /**
   * Claimed events whose settlement had not finished when `stop()` returned (the database did
   * not answer in time). They stay pending in the table, leased until their lease ends
   * (`leaseMs`); then any publisher takes them again. Always 0 while the database answers.
   */
  readonly unsettled: number;
}

/**
 * Publishes the rows an {@link OutboxWriter} committed, at least once, to its sinks. Safe with
 * any number of publishers in any number of processes: each claim takes a short lease on its
 * rows in one statement (`FOR UPDATE SKIP LOCKED`), publishes without holding a lock, and settles
 * only rows it still holds. Rows of a publisher that dies come back when the lease expires.
 * Wakes on NOTIFY and polls as a safety net. Claims and settlements commit without waiting for
 * the WAL flush: after a database crash, rows published just before it may be published again.
 * Errors are emitted, never thrown.
 */
export class OutboxPublisher extends ListenerSafeEmitter<OutboxPublisherEvents> {
  /** This publisher's name in `locked_by`. */
  readonly id: string;
  readonly #options: ResolvedPublisherOptions;
  readonly #sinks: readonly Sink[];
  readonly #db: ReturnType<typeof unwrapDatabase>;
  readonly #sql: OutboxSql;
  readonly #admin: OutboxAdmin;
  readonly #counters = new PublisherCounters();
  readonly #loop: ClaimLoop;
  #listener: Listener | undefined;
  #poll: NodeJS.Timeout | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<StopSummary> | undefined;
  readonly #log: LifecycleLog | undefined;

  constructor(options: OutboxPublisherOptions) {
    super();
    this.#options = resolvePublisherOptions(options);
    this.id = this.#options.id;
    this.#sinks = resolveSinks(options);
    this.#db = unwrapDatabase(options.db, 'options.db');
    if (this.#options.listen) checkListenable(this.#db);
    const executor = toExecutor(options.db, 'options.db');
    this.#sql = outboxSql(tableNames(options.schema, 'options.schema'));
    this.#admin = new OutboxAdmin({ db: options.db, schema: options.schema });
    const leases = new OutboxLeases(
      executor,
      this.#sql,
      this.#options.ordering === 'aggregate',
      this.#options.listen,
    );
    this.#loop = new ClaimLoop(this.#options, this.#sinks, leases, this.#counters, this);
    this.#log = checkLog(options.log);
    if (this.#log) this.#logLifecycle(this.#log);
  }

  /** Writes the publisher's own events to `log` as lifecycle messages. */
  #logLifecycle(log: LifecycleLog): void {
    const publisher = this.id;
    this.on('failed', ({ event, sink, attempts, error }) =>
      lifecycle(
        log,
        'error',
        { publisher, eventId: event.id, sink, attempts, err: error },
        'eventrail outbox event marked failed',
      ),
    );
    this.on('listen', ({ connected, error }) =>
      connected
        ? lifecycle(log, 'info', { publisher }, 'eventrail outbox LISTEN connected')
        : lifecycle(
            log,
            'warn',
            { publisher, err: error },
            'eventrail outbox LISTEN lost; reconnecting',
          ),
    );
    this.on('error', (error) =>
      lifecycle(
        log,
        'warn',
        { publisher, err: error },
        'eventrail outbox publisher error; retrying',
      ),
    );
  }

  /** Whether the publisher is started and not stopping. */
  get running(): boolean {
    return this.#starting !== undefined && this.#stopping === undefined;
  }

  /**
   * Starts claiming and publishing. Resolves once the first LISTEN attempt is done (it never
   * rejects for a database error: those are emitted and retried). Idempotent. Rejects with a
   * {@link PublisherStoppedError} after `stop()`.
   */
  start(): Promise<void> {
    if (this.#stopping) return Promise.reject(new PublisherStoppedError());
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /**
   * Claims once more what is due now, then stops claiming, waits for in-flight batches to be
   * published and settled, and releases what
   * it opened and closes the sinks. Returns by the deadline, whatever the database and the sinks
   * do: three quarters of it (all but at most one second) go to the batches in flight; then
   * their writes are aborted and their rows released (lease cleared, nothing else changed) so
   * another publisher takes them at once, and the rest of the deadline bounds the releases and
   * the closes. Rows whose release got no answer are counted in `unsettled`. Idempotent; never
   * rejects, except at once with a {@link ValidationError} for a `timeoutMs` that is not a
   * number from 0 to 2147483647 (the publisher then keeps running).
   */
  stop(options: StopOptions = {}): Promise<StopSummary> {
    if (this.#stopping === undefined) {
      let timeoutMs: number;
      try {
        timeoutMs = numberOption(options?.timeoutMs, 'timeoutMs', this.#options.stopTimeoutMs, {
          min: 0,
        });
      } catch (error) {
        return Promise.reject(error);
      }
      this.#stopping = this.#stop(timeoutMs);
    }
    return this.#stopping;
  }

  /** `await using publisher = ...` stops it with the default deadline. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /**
   * This publisher's counters, and the table's pending count and oldest pending age (one
   * query; rejects when the database cannot be reached).
   */
  async metrics(): Promise<OutboxMetrics> {
    const gauge = await this.#admin.pending();
    const c = this.#counters;
    return {
      ...gauge,
      published: c.published,
      retried: c.retried,
      failed: c.failed,
      leaseLost: c.leaseLost,
      released: c.released,
      batches: c.batches,
      errors: c.errors,
      inFlight: c.inFlight,
      publishLatencyMs: c.latency(),
      listening: this.#listener?.connected ?? false,
    };
  }

  /** {@link OutboxAdmin.outboxStats}, for this publisher's table. */
  outboxStats(): Promise<OutboxStats> {
    return this.#admin.outboxStats();
  }

  /** {@link OutboxAdmin.reprocessFailed}, for this publisher's table. */
  reprocessFailed(filter?: ReprocessFilter): Promise<number> {
    return this.#admin.reprocessFailed(filter);
  }

  /** {@link OutboxAdmin.purgePublished}, for this publisher's table. */
  purgePublished(options: PurgeOptions): Promise<number> {
    return this.#admin.purgePublished(options);
  }

  async #start(): Promise<void> {
    this.#poll = setInterval(() => this.#loop.wake(), this.#options.pollIntervalMs);
    this.#poll.unref();
    if (this.#options.listen) {
      this.#listener = listen(this.#db, this.#sql, {
        notified: () => this.#loop.wake(),
        state: (connected, error) => {
          if (connected) this.#loop.wake();
          this.emit('listen', { connected, error });
          if (error !== undefined) this.#loop.fault('listen', error);
        },
      });
    }
    this.#loop.wake();
    await this.#listener?.ready;
    lifecycle(this.#log, 'info', { publisher: this.id }, 'eventrail outbox publisher started');
  }

  async #stop(timeoutMs: number): Promise<StopSummary> {
    clearInterval(this.#poll);
    // One last claim of what is due now (a row committed just before stop() whose NOTIFY has
    // not been heard yet), within the same budget as the batches in flight.
    if (this.#starting !== undefined) this.#loop.wake();
    // Referenced on purpose: a host awaiting stop() stays alive until the deadline.
    const end = new AbortController();
    const endTimer = setTimeout(() => end.abort(), timeoutMs);
    try {
      // Closing the listener cannot fail stop() (a PGlite closed by its host refuses UNLISTEN).
      const listenerClosed = this.#listener?.close();
      const releasedBefore = this.#counters.released;
      const finished = await this.#loop.halt(
        shutdownBudget(timeoutMs).workMs,
        end.signal,
        new PublisherStoppedError(
          `stop() reached its ${timeoutMs} ms deadline; the write is aborted and its rows released`,
        ),
      );
      await settledWithin(listenerClosed, { signal: end.signal });
      await settledWithin(Promise.allSettled(this.#sinks.map((sink) => closeSink(sink))), {
        signal: end.signal,
      });
      const released = this.#counters.released - releasedBefore;
      const unsettled = this.#counters.inFlight;
      lifecycle(
        this.#log,
        finished ? 'info' : 'warn',
        { publisher: this.id, timedOut: !finished, released, unsettled },
        'eventrail outbox publisher stopped',
      );
      return { timedOut: !finished, released, unsettled };
    } finally {
      clearTimeout(endTimer);
    }
  }
}
