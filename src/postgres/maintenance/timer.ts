import { settledWithin } from '../../async/wait.js';
import { ListenerSafeEmitter } from '../../emitter.js';
import { ClosedError, MaintenanceError } from '../../errors.js';
import {
  type CloseOptions,
  Closer,
  type CloseSummary,
  closeTimeoutSpec,
  type Deadline,
  type Lifecycle,
} from '../../lifecycle/close.js';
import { type DurationSummary, Durations } from '../../lifecycle/durations.js';
import { lifecycle } from '../../lifecycle/log.js';
import { defineOptions } from '../../options/schema.js';
import { integer } from '../../options/spec.js';
import { toExecutor } from '../driver/executor.js';
import type { Executor } from '../driver/types.js';
import { type MaintenanceResult, runMaintenance } from './maintain.js';
import {
  type MaintainOptions,
  maintainSpecs,
  type ResolvedMaintainOptions,
  wholeHours,
} from './options.js';

/** Options of {@link MaintenanceTimer}: those of `maintain` (but the clock), and the period. */
export interface MaintenanceTimerOptions extends Omit<MaintainOptions, 'now'> {
  /**
   * Time between the end of one run and the start of the next, in milliseconds. The first run
   * starts at `start()`. Partitions are made `premake` widths ahead, so an hour is plenty.
   * @default 3600000
   */
  readonly intervalMs?: number;
  /** Deadline of `close()` when the call gives none, in milliseconds. @default 10000 */
  readonly closeTimeoutMs?: number;
}

/** The default period of a {@link MaintenanceTimer}: one hour. */
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 3_600_000;

const timerOptions = defineOptions<MaintenanceTimerOptions>()(
  'MaintenanceTimerOptions',
  {
    ...maintainSpecs,
    intervalMs: integer({ min: 1 }).default(DEFAULT_MAINTENANCE_INTERVAL_MS),
    closeTimeoutMs: closeTimeoutSpec(),
  },
  wholeHours,
);

/** What {@link MaintenanceTimer.close} left. */
export interface MaintenanceTimerCloseSummary extends CloseSummary {
  /**
   * A run was still going at the deadline. It goes on in the database until its statement ends
   * (each partition changes in a transaction of its own, so nothing is left half done), and the
   * maintenance lock goes with its connection.
   */
  readonly runInProgress: boolean;
}

/** Counters of a {@link MaintenanceTimer}, as returned by `metrics()`. Totals since it was made. */
export interface MaintenanceTimerMetrics {
  /** Runs that did the work (held the lock). */
  readonly runs: number;
  /** Runs that found another instance holding the lock and changed nothing. */
  readonly skippedRuns: number;
  /** Runs that failed (a scheduled one is also emitted as an `error` event). */
  readonly failedRuns: number;
  /** Daily partitions made ahead. */
  readonly partitionsCreated: number;
  /** Expired partitions dropped. */
  readonly partitionsDropped: number;
  /** Partition changes put off to a later run because a lock was busy. */
  readonly partitionsDeferred: number;
  /** Rows moved out of the default partition. */
  readonly rowsMoved: number;
  /** Expired rows deleted from the default partition. */
  readonly defaultRowsExpired: number;
  /** Published outbox rows deleted. */
  readonly outboxRowsPurged: number;
  /** Consumer inbox records deleted. */
  readonly inboxRowsPurged: number;
  /** How long the runs that did the work took, in milliseconds. */
  readonly runDurationMs: DurationSummary;
  /** When the last run that did the work ended, in epoch milliseconds; 0 before the first. */
  readonly lastRunAtMs: number;
  /** Whether a run is going on now. */
  readonly runInProgress: boolean;
}

/** The events a {@link MaintenanceTimer} emits (eventemitter3). */
export interface MaintenanceTimerEvents {
  /** A run ended; `result.ran` is false when another instance held the lock. */
  run: (result: MaintenanceResult) => void;
  /**
   * A scheduled run failed; the next one is scheduled as usual. Nobody listening makes the first
   * one a process warning.
   */
  error: (error: MaintenanceError) => void;
}

type Counters = { -readonly [K in keyof MaintenanceTimerMetrics]: MaintenanceTimerMetrics[K] };

/**
 * Runs `maintain` at `start()` and then every `intervalMs` after a run ends (the timer is
 * `unref()`'d: it never keeps the process alive). Start one in every instance: the advisory lock
 * makes one of them do each run. Nothing runs before `start()`; `close()` stops the schedule
 * and waits for a run in progress until its deadline.
 *
 * ```ts
 * await using maintenance = new MaintenanceTimer({ db: pool, retentionMs: 30 * 86_400_000 });
 * maintenance.on('error', (error) => log.error({ err: error }, 'maintenance failed'));
 * await maintenance.start();
 * ```
 */
export class MaintenanceTimer
  extends ListenerSafeEmitter<MaintenanceTimerEvents>
  implements Lifecycle<MaintenanceTimerMetrics, MaintenanceTimerCloseSummary>
{
  readonly #executor: Executor;
  readonly #options: ResolvedMaintainOptions;
  readonly #intervalMs: number;
  readonly #closer: Closer<MaintenanceTimerCloseSummary>;
  readonly #durations = new Durations();
  #started: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** The latest run asked for, settled (never rejects); the next one starts after it. */
  #queue: Promise<void> = Promise.resolve();
  #counters: Omit<Counters, 'runDurationMs'> = {
    runs: 0,
    skippedRuns: 0,
    failedRuns: 0,
    partitionsCreated: 0,
    partitionsDropped: 0,
    partitionsDeferred: 0,
    rowsMoved: 0,
    defaultRowsExpired: 0,
    outboxRowsPurged: 0,
    inboxRowsPurged: 0,
    lastRunAtMs: 0,
    runInProgress: false,
  };

  /** Checks the options (a `ValidationError` naming the field); starts nothing. */
  constructor(options: MaintenanceTimerOptions) {
    super();
    const { db, intervalMs, closeTimeoutMs, ...maintain } = timerOptions.resolve(options);
    this.#executor = toExecutor(db);
    this.#options = maintain;
    this.#intervalMs = intervalMs;
    this.#closer = new Closer(closeTimeoutMs);
    // Each failed run is already written to the log ('eventrail maintenance failed'): with a log,
    // its error event counts as heard, as every part's does.
    if (maintain.log !== undefined) this.on('error', () => {});
  }

  /**
   * Starts the schedule: a first run at once, then one `intervalMs` after each run ends.
   * Resolves when the first run has ended (a failed one is an `error` event, not a rejection).
   * Idempotent: later calls return the same promise. Rejects with a `ClosedError` once `close()`
   * was called.
   */
  start(): Promise<void> {
    if (this.#closer.closed) return Promise.reject(new ClosedError('MaintenanceTimer'));
    if (this.#started === undefined) {
      const { log, schema } = this.#options;
      lifecycle(
        log,
        'info',
        { schema, intervalMs: this.#intervalMs },
        'eventrail maintenance started',
      );
      this.#started = this.#scheduled();
    }
    return this.#started;
  }

  /**
   * Runs maintenance now (after the run in progress, if any), whether the schedule is started or
   * not, and resolves with its result; a failure rejects with a `MaintenanceError` (and is not
   * emitted). Rejects with a `ClosedError` once `close()` was called.
   */
  runNow(): Promise<MaintenanceResult> {
    if (this.#closer.closed) return Promise.reject(new ClosedError('MaintenanceTimer'));
    return this.#enqueue();
  }

  /**
   * Stops the schedule and waits for a run in progress until the deadline (`timeoutMs`, default
   * the `closeTimeoutMs` option). Idempotent: later calls return the first call's promise. Never
   * rejects, except at once with a `ValidationError` for bad options (the timer then stays open).
   */
  close(options?: CloseOptions): Promise<MaintenanceTimerCloseSummary> {
    return this.#closer.close(options, (deadline) => this.#close(deadline));
  }

  /** `await using part = ...` closes it with the default deadline. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A snapshot of the totals since the timer was made. */
  metrics(): MaintenanceTimerMetrics {
    return { ...this.#counters, runDurationMs: this.#durations.snapshot() };
  }

  /** One scheduled run (its failure an `error` event), then the next one `intervalMs` later. */
  async #scheduled(): Promise<void> {
    if (this.#closer.closed) return;
    try {
      await this.#enqueue();
    } catch (error) {
      this.emit('error', error as MaintenanceError);
    }
    if (this.#closer.closed) return;
    this.#timer = setTimeout(() => void this.#scheduled(), this.#intervalMs);
    this.#timer.unref();
  }

  /** A run after the ones asked for before it. */
  #enqueue(): Promise<MaintenanceResult> {
    const run = this.#queue.then(() => this.#run());
    this.#queue = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  async #run(): Promise<MaintenanceResult> {
    const c = this.#counters;
    c.runInProgress = true;
    try {
      const result = await runMaintenance(this.#executor, this.#options);
      if (!result.ran) c.skippedRuns++;
      else {
        c.runs++;
        c.partitionsCreated += result.created.length;
        c.partitionsDropped += result.dropped.length;
        c.partitionsDeferred += result.deferred.length;
        c.rowsMoved += result.rowsMoved;
        c.defaultRowsExpired += result.defaultRowsExpired;
        c.outboxRowsPurged += result.outboxRowsPurged;
        c.inboxRowsPurged += result.inboxRowsPurged;
        c.lastRunAtMs = Date.now();
        this.#durations.record(result.durationMs);
      }
      this.emit('run', result);
      return result;
    } catch (cause) {
      c.failedRuns++;
      throw new MaintenanceError(cause);
    } finally {
      c.runInProgress = false;
    }
  }

  async #close(deadline: Deadline): Promise<MaintenanceTimerCloseSummary> {
    clearTimeout(this.#timer);
    const runInProgress = !(await settledWithin(this.#queue, { signal: deadline.signal }));
    const { log, schema } = this.#options;
    lifecycle(
      log,
      runInProgress ? 'warn' : 'info',
      { schema, runInProgress },
      'eventrail maintenance closed',
    );
    return { timedOut: runInProgress, runInProgress };
  }
}
