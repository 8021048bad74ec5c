import { setTimeout as sleep } from 'node:timers/promises';
import { settledWithin } from '../../async/wait.js';
import { ListenerSafeEmitter } from '../../emitter.js';
import { ClosedError, RollupError } from '../../errors.js';
import {
  type CloseOptions,
  Closer,
  type CloseSummary,
  type Deadline,
  type Lifecycle,
} from '../../lifecycle/close.js';
import { type DurationSummary, Durations } from '../../lifecycle/durations.js';
import { lifecycle } from '../../lifecycle/log.js';
import { inTransaction, toExecutor } from '../driver/executor.js';
import type { Executor, Session } from '../driver/types.js';
import { readSettledMark } from '../read/committed.js';
import { comparePositions, NIL_ID, type StreamPosition } from '../read/position.js';
import { type TableNames, tableNames } from '../sql/names.js';
import { type RollupSql, rollupSql } from '../sql/rollups.js';
import { type StreamSql, streamSql } from '../sql/stream.js';
import { buildDays, createRollup } from './build.js';
import { customShape, eventsShape, type RollupShape } from './definition.js';
import {
  type ResolvedRollupWorkerOptions,
  type RollupWorkerOptions,
  resolveRollupWorkerOptions,
} from './options.js';

/** Counters of a {@link RollupWorker}, as returned by `metrics()`. Totals since it was made. */
export interface RollupWorkerMetrics {
  /** Events folded into the rollup. */
  readonly folded: number;
  /** Fold transactions that committed (with events or only moving the checkpoint). */
  readonly batches: number;
  /** Days of events folded whole by the first build. */
  readonly daysBuilt: number;
  /** Failed steps, each also an `error` event. */
  readonly errors: number;
  /** Whether this worker holds the rollup's lease now (the others stand by). */
  readonly leaseHeld: boolean;
  /** How long the fold transactions took, in milliseconds. */
  readonly foldDurationMs: DurationSummary;
}

/** What {@link RollupWorker.close} left. */
export interface RollupWorkerCloseSummary extends CloseSummary {
  /** The lease was given up, so that a standby worker takes over at once. */
  readonly released: boolean;
}

/** The events a {@link RollupWorker} emits (eventemitter3). */
export interface RollupWorkerEvents {
  /** A step failed; it is tried again after `pollIntervalMs`. Nobody listening makes the first one a process warning. */
  error: (error: RollupError) => void;
}

type Counters = Omit<RollupWorkerMetrics, 'foldDurationMs'>;

/**
 * Keeps the rollups (`event_rollups`) current: folds the committed events into counts per
 * scope, bucket (a quarter hour, an hour, a UTC day), type, agent, error code and tool, in
 * commit order, each batch in one transaction with the rollup's checkpoint, so each event is
 * counted exactly once across crashes. `EventQueries`' aggregates then read the rollups plus the
 * events written since the checkpoint: exact at every read, whatever the worker's delay.
 *
 * The first worker makes the rollup and builds it from every stored event (one day per
 * transaction; aggregates read raw rows until it is complete). Run one in every instance: one
 * holds the lease and folds, the others stand by and take over `leaseMs` after it dies. It runs
 * beside the writers, never inside their statements.
 *
 * ```ts
 * await using rollups = new RollupWorker({ db: pool });
 * rollups.on('error', (error) => log.warn({ err: error }, 'rollup step failed'));
 * await rollups.start();
 * ```
 */
export class RollupWorker
  extends ListenerSafeEmitter<RollupWorkerEvents>
  implements Lifecycle<RollupWorkerMetrics, RollupWorkerCloseSummary>
{
  readonly #options: ResolvedRollupWorkerOptions;
  readonly #executor: Executor;
  readonly #names: TableNames;
  readonly #shape: RollupShape;
  readonly #sql: RollupSql;
  readonly #stream: StreamSql;
  readonly #closer: Closer<RollupWorkerCloseSummary>;
  readonly #durations = new Durations();
  readonly #stop = new AbortController();
  #started: Promise<void> | undefined;
  #loop: Promise<void> = Promise.resolve();
  #counters: { -readonly [K in keyof Counters]: Counters[K] } = {
    folded: 0,
    batches: 0,
    daysBuilt: 0,
    errors: 0,
    leaseHeld: false,
  };

  /** Checks the options (a `ValidationError` naming the field); connects to nothing. */
  constructor(options: RollupWorkerOptions) {
    super();
    this.#options = resolveRollupWorkerOptions(options);
    this.#executor = toExecutor(this.#options.db);
    this.#names = tableNames(this.#options.schema);
    const { rollup } = this.#options;
    this.#shape = rollup ? customShape(this.#names, rollup) : eventsShape(this.#names);
    this.#sql = rollupSql(this.#names, this.#shape);
    this.#stream = streamSql(this.#names);
    this.#closer = new Closer(this.#options.closeTimeoutMs);
    if (this.#options.log !== undefined) this.on('error', () => {});
  }

  /**
   * Makes the rollup when it does not exist (its checkpoint at the events settled now), then
   * starts folding in the background. Resolves once the rollup exists; rejects when the
   * database cannot make it (migration 0008 missing: a `MigrationError`-worthy message from
   * Postgres). Idempotent. Rejects with a `ClosedError` once `close()` was called.
   */
  start(): Promise<void> {
    if (this.#closer.closed) return Promise.reject(new ClosedError('RollupWorker'));
    this.#started ??= this.#executor
      .withSession((session) => createRollup(session, this.#names, this.#shape, this.#sql))
      .then((changed) => {
        const { log, schema, member } = this.#options;
        const rollup = this.#shape.name;
        if (changed) {
          lifecycle(
            log,
            'warn',
            { schema, rollup },
            'eventrail rollup definition changed: rebuilding',
          );
        }
        lifecycle(log, 'info', { schema, rollup, member }, 'eventrail rollup worker started');
        this.#loop = this.#run();
      });
    return this.#started;
  }

  /** A snapshot of the counters. */
  metrics(): RollupWorkerMetrics {
    return { ...this.#counters, foldDurationMs: this.#durations.snapshot() };
  }

  /**
   * Stops after the step in progress (waiting for it until the deadline) and gives the lease up.
   * Idempotent; never rejects, except at once with a `ValidationError` for bad options.
   */
  close(options?: CloseOptions): Promise<RollupWorkerCloseSummary> {
    return this.#closer.close(options, (deadline) => this.#close(deadline));
  }

  /** `await using rollups = ...` closes it with the default deadline. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #run(): Promise<void> {
    const { pollIntervalMs } = this.#options;
    while (!this.#stop.signal.aborted) {
      let full = false;
      try {
        full = await this.#step();
      } catch (error) {
        this.#counters.errors++;
        this.emit('error', new RollupError(error));
      }
      if (!full)
        await sleep(pollIntervalMs, undefined, { signal: this.#stop.signal }).catch(() => {});
    }
  }

  /** One step: take or keep the lease, then build or fold. True when more is waiting. */
  async #step(): Promise<boolean> {
    const { member, leaseMs } = this.#options;
    const { rows } = await this.#executor.query<{ complete: boolean }>(this.#sql.lease, [
      this.#shape.name,
      member,
      leaseMs,
    ]);
    this.#counters.leaseHeld = rows.length === 1;
    if (rows[0] === undefined) return false;
    if (!rows[0].complete) {
      await this.#build();
      return true;
    }
    return this.#executor.withSession((session) => this.#fold(session));
  }

  /** The lease statement as the lock of a transaction: the rollup's row, while it is ours. */
  #leased = async (session: Session): Promise<StreamPosition | undefined> => {
    const { member, leaseMs } = this.#options;
    return (
      await session.query<StreamPosition>(this.#sql.lease, [this.#shape.name, member, leaseMs])
    ).rows[0];
  };

  async #build(): Promise<void> {
    const { log, schema } = this.#options;
    const stop = () => this.#stop.signal.aborted;
    const total = await this.#executor.withSession((session) =>
      buildDays(session, this.#sql, {
        from: null,
        lock: this.#leased,
        stop,
        onProgress: ({ done, total: days }) => {
          this.#counters.daysBuilt++;
          if (done === days) {
            const rollup = this.#shape.name;
            lifecycle(log, 'info', { schema, rollup, days }, 'eventrail rollup built');
          }
        },
      }),
    );
    if (stop() || !total.complete) return;
    await this.#executor.query(this.#sql.completed, [this.#shape.name]);
  }

  /** Folds the next batch in one transaction; true when the batch was full. */
  async #fold(session: Session): Promise<boolean> {
    const { batchSize, leaseMs } = this.#options;
    const started = performance.now();
    const folded = await inTransaction(session, async () => {
      const at = await this.#leased(session);
      if (at === undefined) return -1;
      const mark = await readSettledMark(session, this.#stream);
      const { rows } = await session.query<{ n: number; tx: string | null; id: string | null }>(
        this.#sql.foldAfter,
        [at.tx, at.id, mark.tx, batchSize],
      );
      const { n = 0, tx = null, id = null } = rows[0] ?? {};
      // A short batch read every settled event: the checkpoint moves up to the mark.
      const next: StreamPosition =
        n === batchSize && tx !== null && id !== null ? { tx, id } : { tx: mark.tx, id: NIL_ID };
      if (comparePositions(next, at) > 0) {
        await session.query(this.#sql.advance, [this.#shape.name, next.tx, next.id, leaseMs]);
      }
      return n;
    });
    if (folded < 0) return false;
    this.#counters.folded += folded;
    this.#counters.batches++;
    this.#durations.record(performance.now() - started);
    return folded === batchSize;
  }

  async #close(deadline: Deadline): Promise<RollupWorkerCloseSummary> {
    this.#stop.abort();
    const stopped = await settledWithin(this.#loop, { signal: deadline.signal });
    let released = false;
    if (stopped && this.#started !== undefined) {
      try {
        const { rowCount } = await this.#executor.query(this.#sql.release, [
          this.#shape.name,
          this.#options.member,
        ]);
        released = (rowCount ?? 0) > 0;
      } catch {
        // The lease runs out by itself.
      }
    }
    this.#counters.leaseHeld = false;
    const { log, schema } = this.#options;
    lifecycle(
      log,
      stopped ? 'info' : 'warn',
      { schema, released },
      'eventrail rollup worker closed',
    );
    return { timedOut: !stopped, released };
  }
}
