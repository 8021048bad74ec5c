import { settledWithin, shutdownBudget } from '../../async/wait.js';
import { ListenerSafeEmitter } from '../../emitter.js';
import { ClosedError, CloseTimeoutError, type ValidationError } from '../../errors.js';
import {
  type CloseOptions,
  Closer,
  type CloseSummary,
  type Deadline,
  type Lifecycle,
} from '../../lifecycle/close.js';
import { type LifecycleLog, lifecycle, logErrors } from '../../lifecycle/log.js';
import { closeSink } from '../../sinks/sink.js';
import type { PurgeOptions } from '../driver/chunks.js';
import { toExecutor, unwrapDatabase } from '../driver/executor.js';
import { checkListenable, type Listener, listen } from '../notify/listener.js';
import { tableNames } from '../sql/names.js';
import { type OutboxSql, outboxSql } from '../sql/outbox.js';
import { OutboxAdmin } from './admin.js';
import { ClaimLoop } from './claim-loop.js';
import type { OutboxPublisherEvents } from './events.js';
import { OutboxLeases } from './leases.js';
import type { OutboxCounts, OutboxStats, ReprocessFilter } from './maintenance.js';
import { type OutboxPublisherMetrics, PublisherCounters } from './metrics.js';
import {
  type OutboxPublisherOptions,
  type ResolvedPublisherOptions,
  resolvePublisherOptions,
} from './options.js';

/** The result of {@link OutboxPublisher.close}. */
export interface OutboxPublisherCloseSummary extends CloseSummary {
  /** Events whose lease was cleared at the deadline, so that another publisher took them at once. */
  readonly released: number;
  /**
   * Claimed events whose settlement had not finished when `close()` returned (the database did
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
 * Nothing runs before `start()`; errors are emitted, never thrown.
 */
export class OutboxPublisher
  extends ListenerSafeEmitter<OutboxPublisherEvents>
  implements Lifecycle<OutboxPublisherMetrics, OutboxPublisherCloseSummary>
{
  /** This publisher's name in `locked_by`. */
  readonly id: string;
  readonly #options: ResolvedPublisherOptions;
  readonly #db: ReturnType<typeof unwrapDatabase>;
  readonly #sql: OutboxSql;
  readonly #admin: OutboxAdmin;
  readonly #counters = new PublisherCounters();
  readonly #loop: ClaimLoop;
  readonly #closer: Closer<OutboxPublisherCloseSummary>;
  readonly #log: LifecycleLog | undefined;
  #listener: Listener | undefined;
  #poll: NodeJS.Timeout | undefined;
  #starting: Promise<void> | undefined;

  constructor(options: OutboxPublisherOptions) {
    super();
    const o = resolvePublisherOptions(options);
    this.#options = o;
    this.id = o.id;
    this.#db = unwrapDatabase(o.db, 'options.db');
    if (o.listen) checkListenable(this.#db);
    this.#sql = outboxSql(tableNames(o.schema, 'options.schema'));
    this.#admin = new OutboxAdmin({ db: o.db, schema: o.schema });
    const leases = new OutboxLeases(
      toExecutor(o.db, 'options.db'),
      this.#sql,
      o.ordering === 'aggregate',
      o.listen,
    );
    this.#loop = new ClaimLoop(o, leases, this.#counters, this);
    this.#closer = new Closer(o.closeTimeoutMs);
    this.#log = o.log;
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
    logErrors(this, log, 'eventrail outbox publisher error; retrying', 'warn', { publisher });
  }

  /** Whether the publisher is started and not closing. */
  get running(): boolean {
    return this.#starting !== undefined && !this.#closer.closed;
  }

  /**
   * Starts claiming and publishing. Resolves once the first LISTEN attempt is done (it never
   * rejects for a database error: those are emitted and retried). Idempotent: later calls return
   * the same promise. Rejects with a {@link ClosedError} after `close()`.
   */
  start(): Promise<void> {
    if (this.#closer.closed) return Promise.reject(new ClosedError('OutboxPublisher'));
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /**
   * Claims once more what is due now, then stops claiming, waits for in-flight batches to be
   * published and settled, releases what it opened and closes the sinks. Returns by the
   * deadline (`timeoutMs`, default `closeTimeoutMs`), whatever the database and the sinks do:
   * three quarters of it (all but at most one second) go to the batches in flight; then their
   * writes are aborted (with a {@link CloseTimeoutError}) and their rows released (lease cleared,
   * nothing else changed) so another publisher takes them at once, and the rest of the deadline
   * bounds the releases and the closes. Rows whose release got no answer are counted in
   * `unsettled`. Aborting `signal` cuts it short at once. Idempotent: later calls return the
   * same promise. Never rejects, except at once with a {@link ValidationError} for bad options
   * (the publisher then keeps running).
   */
  close(options?: CloseOptions): Promise<OutboxPublisherCloseSummary> {
    return this.#closer.close(options, (deadline) => this.#close(deadline));
  }

  /** `await using publisher = ...` closes it with the default deadline. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A snapshot of this publisher's counters (synchronous; the table's backlog is {@link OutboxPublisher.stats}). */
  metrics(): OutboxPublisherMetrics {
    return this.#counters.snapshot(this.#listener?.connected ?? false);
  }

  /** {@link OutboxAdmin.stats}, for this publisher's table: its pending rows and the oldest's age. */
  stats(): Promise<OutboxStats> {
    return this.#admin.stats();
  }

  /** {@link OutboxAdmin.counts}, for this publisher's table. */
  counts(): Promise<OutboxCounts> {
    return this.#admin.counts();
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

  async #close(deadline: Deadline): Promise<OutboxPublisherCloseSummary> {
    clearInterval(this.#poll);
    // One last claim of what is due now (a row committed just before close() whose NOTIFY has
    // not been heard yet), within the same budget as the batches in flight.
    if (this.#starting !== undefined) this.#loop.wake();
    const end = deadline.signal;
    // Closing the listener cannot fail close() (a PGlite closed by its host refuses UNLISTEN).
    const listenerClosed = this.#listener?.close();
    const releasedBefore = this.#counters.released;
    const finished = await this.#loop.halt(
      shutdownBudget(deadline.timeoutMs).workMs,
      end,
      () => new CloseTimeoutError(deadline.abortedByCaller ? undefined : deadline.timeoutMs),
    );
    await settledWithin(listenerClosed, { signal: end });
    const closers = this.#options.sinks.map((sink) => closeSink(sink, deadline));
    await settledWithin(Promise.allSettled(closers), { signal: end });
    const released = this.#counters.released - releasedBefore;
    const unsettled = this.#counters.inFlight;
    lifecycle(
      this.#log,
      finished ? 'info' : 'warn',
      { publisher: this.id, timedOut: !finished, released, unsettled },
      'eventrail outbox publisher closed',
    );
    return { timedOut: !finished, released, unsettled };
  }
}
