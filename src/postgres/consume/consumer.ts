import { settledWithin, shutdownBudget } from '../../async/wait.js';
import { ListenerSafeEmitter } from '../../emitter.js';
import {
  ClosedError,
  ConsumerError,
  type CursorExpiredError,
  ValidationError,
} from '../../errors.js';
import {
  type CloseOptions,
  Closer,
  type CloseSummary,
  type Deadline,
  type Lifecycle,
} from '../../lifecycle/close.js';
import { lifecycle, logErrors } from '../../lifecycle/log.js';
import { toExecutor, unwrapDatabase } from '../driver/executor.js';
import type { PgPoolLike } from '../driver/types.js';
import { type Listener, listen } from '../notify/listener.js';
import { committedReads } from '../read/committed.js';
import { type ConsumerSql, consumerSql } from '../sql/consumer.js';
import { type TableNames, tableNames } from '../sql/names.js';
import { streamSql } from '../sql/stream.js';
import {
  type DeadLetter,
  type DeadLetterListOptions,
  type DeadLetterReplay,
  type DeadLetterSelection,
  deadLetterListOptions,
  deadLetterSelection,
  listDeadLetters,
  purgeDeadLetters,
  replayDeadLetters,
} from './dead-letters.js';
import { Group } from './group.js';
import { PartitionWork } from './handling.js';
import { Heartbeat } from './heartbeat.js';
import { MemberLoop } from './loop.js';
import { ConsumerCounters, type ConsumerMetrics } from './metrics.js';
import {
  type ConsumerOptions,
  type ResolvedConsumerOptions,
  resolveConsumerOptions,
} from './options.js';
import { setUp } from './setup.js';
import { type ConsumerStats, consumerStats } from './stats.js';

/** The result of {@link Consumer.close}. */
export interface ConsumerCloseSummary extends CloseSummary {
  /** Partitions this member gave back (others take them at once). */
  readonly released: number;
}

/** The events a {@link Consumer} emits. */
export interface ConsumerEvents {
  /**
   * A fault: `ConsumerError` (`CONSUMER_DATABASE`: retried; `CONSUMER_PARKED`: an event parked
   * after its retries; `CONSUMER_DEAD_LETTERS_EXPIRED`: dead letters asked back whose events
   * retention had removed), or `CursorExpiredError` (a partition whose checkpoint retention passed:
   * it stops, never skipping).
   */
  error: (error: ConsumerError | CursorExpiredError) => void;
  /** This member's partitions changed: taken (`taken`) or given back (`released`). */
  rebalance: (info: { taken: readonly number[]; released: readonly number[] }) => void;
}

/**
 * A durable consumer of the committed events: a named group whose members (one per
 * `Consumer`, in any number of processes) share the events by key (aggregate, else session,
 * else user) over `partitions`, each partition handled by one member at a time, in commit
 * order. The handler runs in a transaction that also moves the partition's checkpoint, fenced
 * by the member's lease: what it writes with `tx` happens exactly once, across crashes,
 * restarts and rebalances. Effects elsewhere (a broker, an HTTP call) happen at least once:
 * a handler may run again on events whose transaction did not commit; make them idempotent
 * (the event id, an `Inbox` on the receiving side).
 *
 * An event the handler keeps failing on is retried alone with backoff, then parked in
 * `dead_letters` with the later events of its key behind it, while the other keys go on;
 * {@link Consumer.replayDeadLetters} sends them back. A checkpoint older than what retention
 * kept stops its partition with a `CursorExpiredError` (`error` event), never skipping.
 * Nothing runs before `start()`.
 */
export class Consumer
  extends ListenerSafeEmitter<ConsumerEvents>
  implements Lifecycle<ConsumerMetrics, ConsumerCloseSummary>
{
  /** This member's id. */
  readonly member: string;
  /** The consumer's name. */
  readonly name: string;
  readonly #o: ResolvedConsumerOptions;
  readonly #pool: PgPoolLike;
  readonly #names: TableNames;
  readonly #sql: ConsumerSql;
  readonly #counters = new ConsumerCounters();
  readonly #closer: Closer<ConsumerCloseSummary>;
  readonly #stop = new AbortController();
  readonly #group: Group;
  #loop: MemberLoop | undefined;
  #running: Promise<void> | undefined;
  #listener: Listener | undefined;
  #heartbeat: Heartbeat | undefined;
  #fromMs: number | null = null;
  #starting: Promise<void> | undefined;
  /** Whether this instance joined the group under `member` (its row and leases are its own). */
  #joined = false;

  constructor(options: ConsumerOptions) {
    super();
    const o = resolveConsumerOptions(options);
    this.#o = o;
    this.member = o.member;
    this.name = o.name;
    this.#pool = unwrapDatabase(o.db, 'options.db') as PgPoolLike;
    const max = (this.#pool as { options?: { max?: number } }).options?.max;
    if (max !== undefined && max < (o.listen ? 3 : 2)) {
      throw new ValidationError(
        'options.db',
        'VALIDATION_RANGE',
        `a pool of max ${max} cannot hold the member's connection${o.listen ? ' and the LISTEN one' : ''} and beat: use max >= ${o.listen ? 3 : 2}`,
      );
    }
    this.#names = tableNames(o.schema, 'options.schema');
    this.#sql = consumerSql(this.#names);
    this.#group = new Group(this.#sql, {
      consumer: o.name,
      member: o.member,
      partitions: o.partitions,
      leaseMs: o.leaseMs,
    });
    this.#closer = new Closer(o.closeTimeoutMs);
    logErrors(this, o.log, 'eventrail consumer error', 'warn', {
      consumer: o.name,
      member: o.member,
    });
  }

  /**
   * Creates the consumer when it does not exist yet (from `from`), joins its group, takes a
   * share of its partitions and starts handling. Rejects with a `ConsumerError`
   * (`CONSUMER_PARTITIONS_MISMATCH`; `CONSUMER_MEMBER_TAKEN`: another live `Consumer` has this
   * `member` id), a `CursorExpiredError` (`from` older than what retention
   * kept), the database's error, or a `ClosedError` after `close()`. Idempotent.
   */
  start(): Promise<void> {
    if (this.#closer.closed) return Promise.reject(new ClosedError('Consumer'));
    this.#starting ??= this.#start();
    return this.#starting;
  }

  /**
   * Stops reading, lets the batches in flight finish (at the deadline, their transaction is
   * rolled back by dropping the connection), gives this member's partitions back so that
   * others take them at once, and leaves the group. Never rejects (but for bad options);
   * idempotent.
   */
  close(options?: CloseOptions): Promise<ConsumerCloseSummary> {
    return this.#closer.close(options, (deadline) => this.#close(deadline));
  }

  /** `await using consumer = ...` closes it with the default deadline. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** This member's counters (synchronous); the consumer's state in the database is {@link Consumer.stats}. */
  metrics(): ConsumerMetrics {
    return this.#counters.snapshot(this.#group.owned.size, this.#listener?.connected ?? false);
  }

  /** Every partition's checkpoint, holder and lag, and the dead letters' count. */
  stats(): Promise<ConsumerStats> {
    const db = toExecutor(this.#pool);
    return consumerStats(db, this.#sql, this.#reads(db), this.name, this.#o.partitions);
  }

  /**
   * The parked events (of `key` when given), by key in commit order, at most `limit`.
   * @throws {ValidationError} for bad options
   */
  async deadLetters(options?: DeadLetterListOptions): Promise<DeadLetter[]> {
    const { key, limit } = deadLetterListOptions.resolve(options);
    return listDeadLetters(toExecutor(this.#pool), this.#sql, this.name, key, limit);
  }

  /**
   * Sends the parked events (of `key` when given) back through the handler, key by key in
   * commit order, each in a transaction with the removal of its dead letter; one failing again
   * stays parked (one attempt more) with the rest of its key. A key is replayed by one caller
   * at a time; members park new events of the key behind it until none is left. Runs on a
   * connection of its own, whether the consumer is started or not.
   * @throws {ValidationError} for bad options
   */
  async replayDeadLetters(options?: DeadLetterSelection): Promise<DeadLetterReplay> {
    const { key } = deadLetterSelection.resolve(options);
    return replayDeadLetters(this.#pool, this.#sql, this.name, { key }, this.#o.handle);
  }

  /**
   * Removes the parked events (of `key` when given) without handling them; returns how many.
   * @throws {ValidationError} for bad options
   */
  async purgeDeadLetters(options?: DeadLetterSelection): Promise<number> {
    const { key } = deadLetterSelection.resolve(options);
    return purgeDeadLetters(toExecutor(this.#pool), this.#sql, this.name, key);
  }

  #reads(db: Parameters<typeof committedReads>[0]) {
    const filters = {
      ...this.#o.filters,
      from: this.#fromMs === null ? null : new Date(this.#fromMs),
    };
    return committedReads(db, this.#names, this.#o.scope, filters);
  }

  #fault = (error: ConsumerError | CursorExpiredError): void => {
    this.#counters.errors += 1;
    this.emit('error', error);
  };

  async #start(): Promise<void> {
    const o = this.#o;
    const db = toExecutor(this.#pool);
    this.#fromMs = await setUp(db, this.#names, o);
    const signal = this.#stop.signal;
    // close() during setUp: nothing more starts (close() waits for this).
    if (signal.aborted) return;
    const joined = await db.query(this.#sql.join, [o.name, o.member, o.leaseMs]);
    if (joined.rowCount === 0) {
      throw new ConsumerError(
        'CONSUMER_MEMBER_TAKEN',
        o.name,
        `member '${o.member}' is live in another Consumer (seen less than leaseMs ago): give each Consumer its own member id`,
      );
    }
    this.#joined = true;
    const work = new PartitionWork({
      sql: this.#sql,
      consumer: o.name,
      member: o.member,
      handle: o.handle,
      batchSize: o.batchSize,
      retry: o.retry,
      counters: this.#counters,
      group: this.#group,
      signal,
      parked: (error) => {
        lifecycle(
          o.log,
          'warn',
          { consumer: o.name, err: error },
          'eventrail consumer parked an event',
        );
        this.#fault(error);
      },
    });
    this.#loop = new MemberLoop({
      pool: this.#pool,
      names: this.#names,
      sql: this.#sql,
      consumer: o.name,
      member: o.member,
      partitions: o.partitions,
      batchSize: o.batchSize,
      pollIntervalMs: o.pollIntervalMs,
      idleMoveMs: o.heartbeatMs,
      fromMs: this.#fromMs,
      group: this.#group,
      work,
      reads: ({ session }) => this.#reads(session),
      signal,
      fault: this.#fault,
      released: (released) => this.#rebalanced([], released),
    });
    const loop = this.#loop;
    this.#heartbeat = new Heartbeat({
      pool: this.#pool,
      sql: this.#sql,
      consumer: o.name,
      partitions: o.partitions,
      group: this.#group,
      counters: this.#counters,
      handle: o.handle,
      log: o.log,
      reads: (db) => this.#reads(db),
      taken: (taken) => {
        this.#rebalanced(taken, []);
        loop.wake();
      },
      fault: this.#fault,
    });
    await this.#heartbeat.start(o.heartbeatMs);
    if (signal.aborted) return;
    if (o.listen) {
      this.#listener = listen(this.#pool, streamSql(this.#names), {
        notified: () => loop.wake(),
        state: (connected, error) => {
          if (connected) loop.wake();
          if (error !== undefined) {
            this.#fault(
              new ConsumerError('CONSUMER_DATABASE', o.name, 'LISTEN failed', { cause: error }),
            );
          }
        },
      });
      await this.#listener.ready;
    }
    this.#running = this.#loop.run();
    lifecycle(
      o.log,
      'info',
      { consumer: o.name, member: o.member, partitions: this.#group.owned.size },
      'eventrail consumer started',
    );
  }

  #rebalanced(taken: readonly number[], released: readonly number[]): void {
    const { name, member } = this;
    const details = { consumer: name, member, taken, released, held: this.#group.owned.size };
    lifecycle(this.#o.log, 'info', details, 'eventrail consumer rebalanced');
    this.emit('rebalance', { taken, released });
  }

  async #close(deadline: Deadline): Promise<ConsumerCloseSummary> {
    this.#stop.abort();
    const end = deadline.signal;
    const started = performance.now();
    const workMs = shutdownBudget(deadline.timeoutMs).workMs;
    // A start() in flight ends first (it starts nothing more once aborted).
    const ready = await settledWithin(this.#starting, { timeoutMs: workMs, signal: end });
    const heartbeatStopped = this.#heartbeat?.stop(end);
    const listenerClosed = this.#listener?.close();
    const finished =
      ready &&
      (await settledWithin(this.#running, {
        timeoutMs: Math.max(0, workMs - (performance.now() - started)),
        signal: end,
      }));
    if (!finished) this.#loop?.abort();
    await heartbeatStopped;
    let released = 0;
    if (this.#joined) {
      const db = toExecutor(this.#pool);
      const leaving = (async () => {
        released = (await this.#group.release(db)).length;
        await db.query(this.#sql.leave, [this.name, this.member]);
      })();
      await settledWithin(leaving, { signal: end });
    }
    await settledWithin(listenerClosed, { signal: end });
    const timedOut = !finished || end.aborted;
    lifecycle(
      this.#o.log,
      timedOut ? 'warn' : 'info',
      { consumer: this.name, member: this.member, timedOut, released },
      'eventrail consumer closed',
    );
    return { timedOut, released };
  }
}
