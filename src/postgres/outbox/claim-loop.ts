import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventEmitter } from 'eventemitter3';
import { within } from '../../async/wait.js';
import { type OutboxOperation, OutboxPublisherError } from '../../errors.js';
import { tracePublish } from '../../event/trace.js';
import { dispatch, LeaseExpired } from '../../sinks/dispatch.js';
import type { OutboxPublisherEvents } from './events.js';
import type { ClaimedEvent, OutboxLeases } from './leases.js';
import type { PublisherCounters } from './metrics.js';
import type { ResolvedPublisherOptions } from './options.js';
import { type BatchOutcome, outcomeOf, type Plan, plan } from './settlement.js';

/**
 * The publisher's engine: runs up to `claimsInFlight` claim cycles (claim, publish, settle) while
 * there may be work. Every wake-up (NOTIFY, poll, a full claim) is numbered, and a cycle serves
 * every wake-up before its start: each wake-up starts at most one claim, so a second claim runs
 * beside the first only when that one came back full (a backlog) or something new was signalled
 * meanwhile. Never throws: failures are counted and emitted.
 * @internal
 */
export class ClaimLoop {
  readonly #options: ResolvedPublisherOptions;
  readonly #leases: OutboxLeases;
  readonly #counters: PublisherCounters;
  readonly #emitter: EventEmitter<OutboxPublisherEvents>;
  readonly #cycles = new Set<Promise<void>>();
  readonly #aborts = new Set<AbortController>();
  #halted = false;
  #wakes = 0;
  /** The last wake-up a cycle was started for. */
  #served = 0;
  #claims = 0;
  /** Rows the next claim asks for: doubles after a full claim, back to `claimSize` after a short one. */
  #claimSize: number;
  /** Tells this loop's leases from those of another publisher given the same `id`. */
  readonly #nonce = randomUUID().slice(0, 8);

  constructor(
    options: ResolvedPublisherOptions,
    leases: OutboxLeases,
    counters: PublisherCounters,
    emitter: EventEmitter<OutboxPublisherEvents>,
  ) {
    this.#options = options;
    this.#leases = leases;
    this.#counters = counters;
    this.#emitter = emitter;
    this.#claimSize = options.claimSize;
  }

  /**
   * Stops starting claims and waits for the cycles in flight, at most `workMs` (or until `end`
   * aborts); then cuts them short with `reason()` (their writes are aborted and their rows
   * released; a claim or settlement still waiting for the database is given up) and waits for
   * them until `end` aborts. True when they finished in time.
   */
  async halt(workMs: number, end: AbortSignal, reason: () => Error): Promise<boolean> {
    this.#halted = true;
    const cycles = Promise.all(this.#cycles);
    if ((await within(cycles, { timeoutMs: workMs, signal: end })).done) return true;
    const cut = reason();
    for (const controller of this.#aborts) controller.abort(cut);
    await within(cycles, { signal: end });
    return false;
  }

  /** Counts and emits a background fault as an {@link OutboxPublisherError}. */
  fault(operation: OutboxOperation, error: unknown): void {
    this.#counters.errors += 1;
    this.#emitter.emit('error', new OutboxPublisherError(operation, error));
  }

  /** Something may be due: a NOTIFY, the poll timer, a full claim, a reconnect. */
  wake(): void {
    this.#wakes += 1;
    this.#pump();
  }

  /** Starts a claim while a slot is free and a wake-up came after the last claim began. */
  #pump(): void {
    while (
      !this.#halted &&
      this.#cycles.size < this.#options.claimsInFlight &&
      this.#wakes > this.#served
    ) {
      const cycle: Promise<void> = this.#cycle()
        // Listeners cannot throw into a cycle (ListenerSafeEmitter); anything else is a fault.
        .catch((error: unknown) => this.fault('publish', error))
        .finally(() => {
          this.#cycles.delete(cycle);
          this.#pump();
        });
      this.#cycles.add(cycle);
    }
  }

  /** One claim: claim a batch, publish it, settle it. */
  async #cycle(): Promise<void> {
    this.#served = this.#wakes;
    const token = `${this.#options.id}/${this.#nonce}/${++this.#claims}`;
    const { claimSize, maxClaimSize, leaseMs } = this.#options;
    const limit = this.#claimSize;
    const started = performance.now();
    // The lease runs from the database's clock, which starts after this one: cut writes short
    // when it ends here, and they end no later than the lease does there.
    const controller = new AbortController();
    const leaseTimer = setTimeout(() => controller.abort(new LeaseExpired(leaseMs)), leaseMs);
    leaseTimer.unref();
    this.#aborts.add(controller);
    let claimed: ClaimedEvent[] = [];
    try {
      // A claim still unanswered when the lease ends (a pool with no free connection, a
      // database that stopped answering) is given up; rows it returns later are handed back
      // untouched, so waiting never counts as an attempt.
      const answer = await within(this.#leases.claim(limit, leaseMs, token), {
        signal: controller.signal,
        late: (rows) => void this.#release(token, rows),
      });
      if (answer.done) claimed = answer.value;
      else if (controller.signal.reason instanceof LeaseExpired) {
        this.fault('claim', controller.signal.reason);
      }
    } catch (error) {
      this.fault('claim', error);
    }
    // A full batch says more may be waiting: claim again at once, and more. An empty or partial
    // one says nothing more was due when it began; except that with ordering per aggregate,
    // publishing these rows is what makes the next ones of their aggregates due, so claim again
    // once they are settled (a wake-up of its own), full or not: the wake-up a full claim made
    // at once may have been served by a claim that ran beside this one and found only rows
    // queued behind these.
    const full = claimed.length === limit;
    this.#claimSize = full ? Math.min(maxClaimSize, limit * 2) : claimSize;
    if (full) this.wake();
    const unblocks = claimed.length > 0 && this.#options.ordering === 'aggregate';
    try {
      if (claimed.length === 0) return;
      this.#counters.batches += 1;
      this.#counters.inFlight += claimed.length;
      const events = claimed.map((c) => c.event);
      const verdicts = await tracePublish(events, () =>
        dispatch(this.#options.sinks, events, controller.signal),
      );
      await this.#settle(token, claimed, verdicts, started, controller.signal);
    } finally {
      clearTimeout(leaseTimer);
      this.#aborts.delete(controller);
      this.#counters.inFlight -= claimed.length;
    }
    if (unblocks) this.wake();
  }

  async #settle(
    token: string,
    claimed: readonly ClaimedEvent[],
    verdicts: Awaited<ReturnType<typeof dispatch>>,
    started: number,
    lease: AbortSignal,
  ): Promise<void> {
    const plans = plan(claimed, verdicts, this.#options.retry);
    const outcome = await this.#settleWhileLeased(token, plans, lease);
    if (outcome === undefined) return;
    this.#counters.add(outcome);
    for (const { event, sink, attempts, error, settlement } of outcome.retried) {
      const delayMs = settlement.delayMs ?? 0;
      this.#emitter.emit('retry', { event, sink, attempt: attempts, delayMs, error });
    }
    for (const { event, sink, attempts, error } of outcome.failed) {
      this.#emitter.emit('failed', { event, sink, attempts, error });
    }
    if (outcome.lost.length > 0) this.#emitter.emit('leaseLost', { ids: outcome.lost });
    this.#emitter.emit('batch', {
      size: claimed.length,
      published: outcome.published,
      retried: outcome.retried.length,
      failed: outcome.failed.length,
      released: outcome.released,
      leaseLost: outcome.lost.length,
      durationMs: performance.now() - started,
    });
  }

  /** Hands back, untouched, rows a claim returned after it was given up. */
  async #release(token: string, claimed: readonly ClaimedEvent[]): Promise<void> {
    const settlements = claimed.map((c) => ({ id: c.event.id, outcome: 'release' as const }));
    try {
      const settled = await within(this.#leases.settle(token, settlements), {
        timeoutMs: this.#options.leaseMs,
      });
      if (settled.done) this.#counters.released += settled.value.count;
    } catch (error) {
      this.fault('settle', error);
    }
  }

  /**
   * Runs the settle statement, and again after each failure (10 ms, doubling, at most 1 s
   * apart) while the lease lasts: the rows are published, and settling them now costs one
   * statement where letting the lease run out republishes the batch. Within the lease no other
   * claim can take the rows, so a row a later attempt no longer holds was settled by an earlier
   * attempt whose answer was lost; it counts as settled as planned. Undefined when the lease
   * ended (or `close()` cut it short) first: the rows come back when it expires.
   */
  async #settleWhileLeased(
    token: string,
    plans: readonly Plan[],
    lease: AbortSignal,
  ): Promise<BatchOutcome | undefined> {
    const settlements = plans.map((p) => p.settlement);
    for (let attempt = 1, pauseMs = 10; ; attempt++, pauseMs = Math.min(1000, pauseMs * 2)) {
      try {
        // Each attempt is bounded too: a database that stopped answering does not hold it.
        const settled = await within(this.#leases.settle(token, settlements), {
          timeoutMs: this.#options.leaseMs,
        });
        if (settled.done) return outcomeOf(plans, settled.value, attempt > 1);
        this.fault('settle', new LeaseExpired(this.#options.leaseMs));
      } catch (error) {
        this.fault('settle', error);
      }
      await sleep(pauseMs, undefined, { signal: lease }).catch(() => {});
      if (lease.aborted) return undefined;
    }
  }
}
