import { deferred, settledWithin, shutdownBudget, within } from '../../async/wait.js';
import { ListenerSafeEmitter } from '../../emitter.js';
import { ClosedError } from '../../errors.js';
import {
  type CloseOptions,
  Closer,
  type CloseSummary,
  type Deadline,
  type Lifecycle,
} from '../../lifecycle/close.js';
import { type LifecycleLog, lifecycle, logErrors } from '../../lifecycle/log.js';
import { backoffDelay } from '../../retry/backoff.js';
import { closeSink } from '../../sinks/sink.js';
import { toExecutor } from '../driver/executor.js';
import { tableNames } from '../sql/names.js';
import { walPrefix } from '../sql/wal.js';
import { type Delivery, deliver, eventsOf, takeBatch } from './delivery.js';
import type { WalError } from './errors.js';
import type { WalRelayEvents } from './events.js';
import { formatLsn } from './lsn.js';
import { RelayCounters, type WalRelayMetrics, type WalRelayState } from './metrics.js';
import { type ResolvedRelayOptions, resolveRelayOptions, type WalRelayOptions } from './options.js';
import { prepareSlot } from './prepare.js';
import { ReplicationReader, type WalTransaction } from './replication.js';
import { walErrorOf } from './server-errors.js';

/** The result of {@link WalRelay.close}. */
export interface WalRelayCloseSummary extends CloseSummary {
  /**
   * Events read from the slot but not confirmed when the relay let go of it (queued, or in a
   * batch the deadline cut short). They stay in the slot: the next relay delivers them.
   */
  readonly unconfirmed: number;
}

/** Transactions read ahead of the sinks, in multiples of `maxBatchSize`. */
const READ_AHEAD = 4;

/**
 * The state of one period of reading the slot. `wake` is the one waiter: the delivery loop
 * waits for an empty queue to fill, the pump for a long one to shrink, never both at once.
 */
interface Reading {
  readonly reader: ReplicationReader;
  readonly queue: WalTransaction[];
  ended: boolean;
  wake: (() => void) | undefined;
}

/**
 * Relays the events an `OutboxWriter` with `transport: 'wal'` wrote, from a logical replication
 * slot to the sinks: each committed transaction's events in commit order, several transactions
 * per batch when they queue up, at least once. A batch is confirmed to the server (so that the
 * slot moves past it) only after every sink took it; a relay that dies is followed by one that
 * starts at the last confirmed position, so the events of unconfirmed batches come again (with
 * the same event ids). Several relays may run on one slot: the server lets one read it, the
 * others stand by and take over within `standbyRetryMs` of its connection ending.
 * Nothing runs before `start()`; background faults are `error` events ({@link WalError}).
 */
export class WalRelay
  extends ListenerSafeEmitter<WalRelayEvents>
  implements Lifecycle<WalRelayMetrics, WalRelayCloseSummary>
{
  /** This relay's name in logs. */
  readonly id: string;
  readonly #options: ResolvedRelayOptions;
  readonly #prefix: string;
  readonly #counters = new RelayCounters();
  readonly #closer: Closer<WalRelayCloseSummary>;
  readonly #log: LifecycleLog | undefined;
  /** Aborts the sinks' writes (at the close budget). */
  readonly #abort = new AbortController();
  /** Aborts waits between attempts (at once on close). */
  readonly #stop = new AbortController();
  #starting: Promise<void> | undefined;
  #running: Promise<void> | undefined;
  #reading: Reading | undefined;
  /** The batch being delivered (its events), for the close summary. */
  #inFlight = 0;
  #confirmed: bigint | undefined;

  constructor(options: WalRelayOptions) {
    super();
    const o = resolveRelayOptions(options);
    this.#options = o;
    this.id = o.id;
    this.#prefix = walPrefix(tableNames(o.schema, 'options.schema'));
    this.#closer = new Closer(o.closeTimeoutMs);
    this.#log = o.log;
    logErrors(this, o.log, 'eventrail WAL relay error; retrying', 'warn', { relay: o.id });
  }

  /** What the relay is doing now. */
  get state(): WalRelayState {
    return this.#counters.state;
  }

  /**
   * Checks the server (`wal_level = logical`, a role that may replicate), creates the slot and
   * its publication when missing (`createSlot`; creating a slot waits for the transactions open
   * at that moment to end), then tries once to take the slot. Resolves when this relay is
   * active or on standby; rejects with the {@link WalError} of a failed check. Later faults are
   * `error` events, and the relay keeps trying. Idempotent; a {@link ClosedError} after `close()`.
   */
  start(): Promise<void> {
    if (this.#closer.closed) return Promise.reject(new ClosedError('WalRelay'));
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /**
   * Stops reading; lets the batch in flight finish within three quarters of the deadline (all
   * but at most a second), then aborts its writes; confirms what was delivered, ends the
   * replication connection (a relay standing by takes over) and closes the sinks. What was read
   * and not confirmed stays in the slot (`unconfirmed`). Idempotent; never rejects but for bad
   * options.
   */
  close(options?: CloseOptions): Promise<WalRelayCloseSummary> {
    return this.#closer.close(options, (deadline) => this.#close(deadline));
  }

  /** `await using relay = ...` closes it with the default deadline. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A snapshot of the relay's counters (synchronous). */
  metrics(): WalRelayMetrics {
    const reader = this.#reading?.reader;
    // The reader also confirms the server's position while idle and caught up.
    if (reader && reader.confirmedLsn > (this.#confirmed ?? 0n))
      this.#confirmed = reader.confirmedLsn;
    const lag = reader && reader.confirmedLsn > 0n ? reader.serverLsn - reader.confirmedLsn : 0n;
    return this.#counters.snapshot({
      confirmedLsn: this.#confirmed === undefined ? null : formatLsn(this.#confirmed),
      lagBytes: lag > 0n ? Number(lag) : 0,
    });
  }

  async #start(): Promise<void> {
    const o = this.#options;
    await toExecutor(o.db, 'options.db').withSession((session) =>
      prepareSlot(session, o.slot, o.createSlot),
    );
    const attempted = deferred();
    this.#running = this.#run(attempted.resolve);
    await attempted.promise;
    lifecycle(
      this.#log,
      'info',
      { relay: this.id, state: this.state },
      'eventrail WAL relay started',
    );
  }

  #setState(state: WalRelayState): void {
    if (this.#counters.state === state) return;
    this.#counters.state = state;
    lifecycle(
      this.#log,
      'info',
      { relay: this.id, slot: this.#options.slot },
      `eventrail WAL relay ${state}`,
    );
    this.emit('state', { state });
  }

  #fault(error: WalError): void {
    this.#counters.errors += 1;
    this.emit('error', error);
  }

  /** Takes the slot, relays until the connection ends, and again, until closed. */
  async #run(attempted: () => void): Promise<void> {
    const o = this.#options;
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      const reader = new ReplicationReader({
        connection: o.connection,
        slot: o.slot,
        publications: [o.slot],
      });
      let waitMs = o.standbyRetryMs;
      try {
        await reader.start();
        failures = 0;
        this.#setState('active');
        attempted();
        await this.#relay(reader);
      } catch (error) {
        const fault = walErrorOf(error, 'the relay lost the slot');
        if (fault.code !== 'WAL_SLOT_IN_USE') {
          failures += 1;
          waitMs = Math.max(waitMs, backoffDelay(failures, o.retry));
          if (!this.#stop.signal.aborted) this.#fault(fault);
        }
      } finally {
        await reader.close();
        this.#reading = undefined;
      }
      if (this.#stop.signal.aborted) break;
      this.#setState('standby');
      attempted();
      await within(new Promise(() => {}), { timeoutMs: waitMs, signal: this.#stop.signal });
    }
  }

  /** Reads ahead of the sinks and delivers batch after batch, until the reader ends. */
  async #relay(reader: ReplicationReader): Promise<void> {
    const reading: Reading = { reader, queue: [], ended: false, wake: undefined };
    this.#reading = reading;
    let failure: unknown;
    const pumped = this.#pump(reading).catch((error: unknown) => {
      failure = error;
    });
    // Once the connection failed nothing more can be confirmed: what is queued comes again.
    while (!this.#stop.signal.aborted && failure === undefined) {
      if (reading.queue.length === 0) {
        if (reading.ended) break;
        await new Promise<void>((resolve) => {
          reading.wake = resolve;
        });
        continue;
      }
      const txs = takeBatch(reading.queue, this.#options.maxBatchSize, this.#prefix);
      reading.wake?.();
      await this.#deliver(reader, txs);
    }
    await reader.close();
    await pumped;
    if (failure !== undefined) throw failure;
  }

  /** Moves transactions from the reader to the queue, keeping at most a few batches ahead. */
  async #pump(reading: Reading): Promise<void> {
    const ahead = READ_AHEAD * this.#options.maxBatchSize;
    try {
      for await (const tx of reading.reader.transactions()) {
        reading.queue.push(tx);
        const wake = reading.wake;
        reading.wake = undefined;
        wake?.();
        while (reading.queue.length > ahead && !this.#stop.signal.aborted) {
          await new Promise<void>((resolve) => {
            reading.wake = resolve;
          });
        }
      }
    } finally {
      reading.ended = true;
      reading.wake?.();
    }
  }

  async #deliver(reader: ReplicationReader, txs: readonly WalTransaction[]): Promise<void> {
    const started = performance.now();
    const delivery: Delivery = {
      sinks: this.#options.sinks,
      retry: this.#options.retry,
      prefix: this.#prefix,
      signal: this.#abort.signal,
      fault: (error) => this.#fault(error),
      failed: (event, sink, error) => {
        this.#counters.failed += 1;
        this.emit('failed', { event, sink, error });
      },
    };
    const events = eventsOf(txs, delivery);
    const max = this.#options.maxBatchSize;
    this.#inFlight = events.length;
    for (let at = 0; at < events.length; at += max) {
      await deliver(events.slice(at, at + max), delivery);
    }
    this.#inFlight = 0;
    const last = txs[txs.length - 1] as WalTransaction;
    reader.confirm(last.endLsn);
    this.#confirmed = last.endLsn;
    this.#count(txs, events.length);
    const durationMs = performance.now() - started;
    this.emit('batch', {
      events: events.length,
      transactions: txs.length,
      confirmedLsn: last.endLsn,
      durationMs,
    });
  }

  #count(txs: readonly WalTransaction[], events: number): void {
    const c = this.#counters;
    c.relayed += events;
    c.transactions += txs.length;
    if (events > 0) c.batches += 1;
    const now = Date.now();
    for (const tx of txs) {
      if (tx.messages.some((m) => m.prefix === this.#prefix))
        c.latency.record(now - tx.commitTime.getTime());
    }
  }

  async #close(deadline: Deadline): Promise<WalRelayCloseSummary> {
    this.#stop.abort();
    const reading = this.#reading;
    reading?.wake?.();
    const { workMs } = shutdownBudget(deadline.timeoutMs);
    let cut = false;
    const timer = setTimeout(() => {
      cut = true;
      this.#abort.abort();
    }, workMs);
    const finished = await settledWithin(this.#running, { signal: deadline.signal });
    clearTimeout(timer);
    this.#abort.abort();
    const queued = reading?.queue ?? [];
    const unconfirmed =
      this.#inFlight +
      queued.reduce((n, tx) => n + tx.messages.filter((m) => m.prefix === this.#prefix).length, 0);
    const closers = this.#options.sinks.map((sink) => closeSink(sink, deadline));
    await settledWithin(Promise.allSettled(closers), { signal: deadline.signal });
    this.#setState('closed');
    const timedOut = cut || !finished || deadline.signal.aborted;
    lifecycle(
      this.#log,
      timedOut ? 'warn' : 'info',
      { relay: this.id, timedOut, unconfirmed },
      'eventrail WAL relay closed',
    );
    return { timedOut, unconfirmed };
  }
}
