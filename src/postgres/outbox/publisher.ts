import { EventEmitter } from 'eventemitter3';
import { OutboxPublisherError, PublisherStoppedError, WriteTimeoutError } from '../../errors.js';
import type { Sink } from '../../sinks/sink.js';
import { toExecutor, unwrapDatabase } from '../driver/executor.js';
import type { Executor } from '../driver/types.js';
import { tableNames } from '../sql/names.js';
import { type OutboxSql, outboxSql } from '../sql/outbox.js';
import { dispatch } from './dispatch.js';
import type { OutboxPublisherEvents } from './events.js';
import { type ClaimedEvent, OutboxLeases } from './leases.js';
import { checkListenable, type Listener, listen } from './listener.js';
import * as maintenance from './maintenance.js';
import { type OutboxMetrics, PublisherCounters } from './metrics.js';
import {
  type OutboxPublisherOptions,
  type ResolvedPublisherOptions,
  resolvePublisherOptions,
  resolveSinks,
} from './options.js';
import { plan } from './settlement.js';

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
}

/**
 * Publishes the rows an {@link OutboxWriter} committed, at least once, to its sinks. Safe with
 * any number of publishers in any number of processes: each claim takes a short lease on its
 * rows in one statement (`FOR UPDATE SKIP LOCKED`), publishes without holding a lock, and settles
 * only rows it still holds. Rows of a publisher that dies come back when the lease expires.
 * Wakes on NOTIFY and polls as a safety net. Errors are emitted, never thrown.
 */
export class OutboxPublisher extends EventEmitter<OutboxPublisherEvents> {
  /** This publisher's name in `locked_by`. */
  readonly id: string;
  readonly #options: ResolvedPublisherOptions;
  readonly #sinks: readonly Sink[];
  readonly #db: ReturnType<typeof unwrapDatabase>;
  readonly #executor: Executor;
  readonly #sql: OutboxSql;
  readonly #leases: OutboxLeases;
  readonly #counters = new PublisherCounters();
  readonly #cycles = new Set<Promise<void>>();
  readonly #aborts = new Set<AbortController>();
  #listener: Listener | undefined;
  #poll: NodeJS.Timeout | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<StopSummary> | undefined;
  #halted = false;
  /** Wake-ups so far; claims run while a wake-up is newer than the last empty claim saw. */
  #wakes = 0;
  #idleAt = 0;
  #claims = 0;

  constructor(options: OutboxPublisherOptions) {
    super();
    this.#options = resolvePublisherOptions(options);
    this.id = this.#options.id;
    this.#sinks = resolveSinks(options);
    this.#db = unwrapDatabase(options.db, 'options.db');
    if (this.#options.listen) checkListenable(this.#db);
    this.#executor = toExecutor(options.db, 'options.db');
    this.#sql = outboxSql(tableNames(options.schema, 'options.schema'));
    this.#leases = new OutboxLeases(
      this.#executor,
      this.#sql,
      this.#options.ordering === 'aggregate',
    );
  }

  /** Whether the publisher is started and not stopping. */
  get running(): boolean {
    return this.#starting !== undefined && !this.#halted;
  }

  /**
   * Starts claiming and publishing. Resolves once the first LISTEN attempt is done (it never
   * rejects for a database error: those are emitted and retried). Idempotent. Rejects with a
   * {@link PublisherStoppedError} after `stop()`.
   */
  start(): Promise<void> {
    if (this.#halted) return Promise.reject(new PublisherStoppedError());
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /**
   * Stops claiming, waits for in-flight batches to be published and settled, then releases what
   * it opened and closes the sinks. At the deadline, in-flight writes are aborted and their rows
   * released (lease cleared, nothing else changed) so another publisher takes them at once.
   * Idempotent; never rejects.
   */
  stop(options: StopOptions = {}): Promise<StopSummary> {
    this.#stopping ??= this.#stop(options);
    return this.#stopping;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** This publisher's counters, and the table's pending count and oldest pending age. */
  async metrics(): Promise<OutboxMetrics> {
    const gauge = await maintenance.pendingGauge(this.#executor, this.#sql);
    const c = this.#counters;
    return {
      ...gauge,
      published: c.published,
      retried: c.retried,
      failed: c.failed,
      leaseLost: c.leaseLost,
      released: c.released,
      batches: c.batches,
      inFlight: c.inFlight,
      publishLatencyMs: c.latency(),
      listening: this.#listener?.connected ?? false,
    };
  }

  /** Row counts of the whole outbox by status and by event type (reads the whole table). */
  outboxStats(): Promise<maintenance.OutboxStats> {
    return maintenance.outboxStats(this.#executor, this.#sql);
  }

  /**
   * Puts failed rows matching `filter` (all failed rows by default) back to pending, due now,
   * with `retry_count` 0 (`last_error` is kept), and wakes the publishers. Resolves with how many.
   */
  async reprocessFailed(filter: maintenance.ReprocessFilter = {}): Promise<number> {
    return maintenance.reprocessFailed(this.#executor, this.#sql, filter);
  }

  /** Deletes published rows older than `olderThan`, a few thousand per statement; resolves with how many. */
  async purgePublished(options: maintenance.PurgeOptions): Promise<number> {
    return maintenance.purgePublished(this.#executor, this.#sql, options);
  }

  async #start(): Promise<void> {
    this.#poll = setInterval(() => this.#wake(), this.#options.pollIntervalMs);
    this.#poll.unref();
    if (this.#options.listen) {
      this.#listener = listen(this.#db, this.#sql, {
        notified: () => this.#wake(),
        state: (connected, error) => {
          this.emit('listen', { connected, error });
          if (error !== undefined) this.emit('error', new OutboxPublisherError('listen', error));
          if (connected) this.#wake();
        },
      });
    }
    this.#wake();
    await this.#listener?.ready;
  }

  async #stop(options: StopOptions): Promise<StopSummary> {
    this.#halted = true;
    clearInterval(this.#poll);
    const listenerClosed = this.#listener?.close();
    const releasedBefore = this.#counters.released;
    const timeoutMs = options.timeoutMs ?? this.#options.stopTimeoutMs;
    const cycles = Promise.all(this.#cycles);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const finished = await Promise.race([cycles.then(() => true), deadline]);
    clearTimeout(timer);
    if (!finished) {
      for (const controller of this.#aborts) controller.abort(new PublisherStoppedError());
      await cycles;
    }
    await listenerClosed;
    await Promise.allSettled(this.#sinks.map((sink) => sink.close?.()));
    return { timedOut: !finished, released: this.#counters.released - releasedBefore };
  }

  /** Something may be due: a NOTIFY, the poll timer, a full claim, a reconnect. */
  #wake(): void {
    this.#wakes += 1;
    this.#pump();
  }

  /** Starts claims while slots are free and a wake-up came after the last empty claim began. */
  #pump(): void {
    while (
      !this.#halted &&
      this.#cycles.size < this.#options.concurrency &&
      this.#wakes > this.#idleAt
    ) {
      const cycle: Promise<void> = this.#cycle().finally(() => {
        this.#cycles.delete(cycle);
        this.#pump();
      });
      this.#cycles.add(cycle);
    }
  }

  /** One claim: claim a batch, publish it, settle it. */
  async #cycle(): Promise<void> {
    const seen = this.#wakes;
    const token = `${this.id}/${++this.#claims}`;
    const { batchSize, leaseMs } = this.#options;
    const started = performance.now();
    // The lease runs from the database's clock, which starts after this one: cut writes short
    // when it ends here, and they end no later than the lease does there.
    const controller = new AbortController();
    const leaseTimer = setTimeout(
      () => controller.abort(new WriteTimeoutError('lease', leaseMs)),
      leaseMs,
    );
    leaseTimer.unref();
    this.#aborts.add(controller);
    let claimed: ClaimedEvent[] = [];
    try {
      claimed = await this.#leases.claim(batchSize, leaseMs, token);
    } catch (error) {
      this.emit('error', new OutboxPublisherError('claim', error));
    }
    // A full batch says more may be waiting; anything less, that nothing was when it began.
    if (claimed.length === batchSize) this.#wake();
    else this.#idleAt = Math.max(this.#idleAt, seen);
    try {
      if (claimed.length === 0) return;
      this.#counters.batches += 1;
      this.#counters.inFlight += claimed.length;
      const events = claimed.map((c) => c.event);
      const verdicts = await dispatch(this.#sinks, events, controller.signal);
      await this.#settle(token, claimed, verdicts, started);
    } finally {
      clearTimeout(leaseTimer);
      this.#aborts.delete(controller);
      this.#counters.inFlight -= claimed.length;
    }
  }

  async #settle(
    token: string,
    claimed: readonly ClaimedEvent[],
    verdicts: Awaited<ReturnType<typeof dispatch>>,
    started: number,
  ): Promise<void> {
    const { maxRetries, backoff } = this.#options;
    const plans = plan(claimed, verdicts, maxRetries, backoff);
    let settled: Awaited<ReturnType<OutboxLeases['settle']>>;
    try {
      settled = await this.#leases.settle(
        token,
        plans.map((p) => p.settlement),
      );
    } catch (error) {
      this.emit('error', new OutboxPublisherError('settle', error));
      return;
    }
    const held = new Map(settled.map((row) => [row.id, row]));
    const c = this.#counters;
    const tally = { published: 0, retried: 0, failed: 0, released: 0 };
    const lost: string[] = [];
    for (const { event, settlement, attempts, sink, error } of plans) {
      const row = held.get(event.id);
      if (row === undefined) {
        lost.push(event.id);
        continue;
      }
      switch (settlement.outcome) {
        case 'published':
          tally.published += 1;
          c.recordLatency(row.latencyMs);
          break;
        case 'release':
          tally.released += 1;
          break;
        case 'retry':
          tally.retried += 1;
          this.emit('retry', {
            event,
            sink,
            attempt: attempts,
            delayMs: settlement.delayMs ?? 0,
            error,
          });
          break;
        case 'failed':
          tally.failed += 1;
          this.emit('failed', { event, sink, attempts, error });
          break;
      }
    }
    c.published += tally.published;
    c.retried += tally.retried;
    c.failed += tally.failed;
    c.released += tally.released;
    c.leaseLost += lost.length;
    if (lost.length > 0) this.emit('leaseLost', { ids: lost });
    const durationMs = performance.now() - started;
    this.emit('batch', { size: claimed.length, ...tally, leaseLost: lost.length, durationMs });
  }
}
