import { EventEmitter } from 'eventemitter3';
import { MaintenanceError, ValidationError } from '../../errors.js';
import { numberOption } from '../../options/validate.js';
import { toExecutor } from '../driver/executor.js';
import type { Executor, PgDatabase } from '../driver/types.js';
import { type MaintenanceResult, runMaintenance } from './maintain.js';
import {
  type MaintainOptions,
  type ResolvedMaintainOptions,
  resolveMaintainOptions,
} from './options.js';

/** Options of {@link startMaintenance}: those of `maintain`, plus the database and the period. */
export interface MaintenanceTimerOptions extends Omit<MaintainOptions, 'now'> {
  /** A `pg` Pool or Client, a PGlite instance, or a drizzle database; never ended by the timer. */
  readonly db: PgDatabase;
  /**
   * Time between the end of one run and the start of the next, in milliseconds. The first run
   * starts at once. Partitions are made `premake` widths ahead, so an hour is plenty.
   * @default 3600000
   */
  readonly intervalMs?: number;
}

/** The default period of {@link startMaintenance}: one hour. */
export const DEFAULT_MAINTENANCE_INTERVAL_MS = 3_600_000;

/** Counters of a {@link MaintenanceTimer}, as returned by `metrics()`. Totals since it started. */
export interface MaintenanceMetrics {
  /** Runs that did the work (held the lock). */
  readonly runs: number;
  /** Runs that found another instance holding the lock and changed nothing. */
  readonly skippedRuns: number;
  /** Runs that failed (each also emitted as an `error` event). */
  readonly failedRuns: number;
  readonly partitionsCreated: number;
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
  /** Duration of the last run that did the work, in milliseconds; 0 before the first. */
  readonly lastDurationMs: number;
  /** When the last run that did the work ended; null before the first. */
  readonly lastRunAt: Date | null;
}

/** The events a {@link MaintenanceTimer} emits (eventemitter3; listeners are optional). */
export interface MaintenanceEvents {
  /** A run ended; `result.ran` is false when another instance held the lock. */
  run: (result: MaintenanceResult) => void;
  /** A run failed; the next one is scheduled as usual. */
  error: (error: MaintenanceError) => void;
}

/**
 * Runs `maintain` now and then every `intervalMs` (the timer is `unref()`'d: it never keeps
 * the process alive). Made by {@link startMaintenance}.
 */
export class MaintenanceTimer extends EventEmitter<MaintenanceEvents> {
  readonly #executor: Executor;
  readonly #options: ResolvedMaintainOptions;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #counters = {
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
    lastDurationMs: 0,
    lastRunAt: null as Date | null,
  };

  /** @internal use {@link startMaintenance} */
  constructor(options: MaintenanceTimerOptions) {
    super();
    if (options === null || typeof options !== 'object') {
      throw new ValidationError('options', 'VALIDATION_TYPE', 'must be an object');
    }
    const { db, intervalMs, ...maintainOptions } = options;
    this.#executor = toExecutor(db, 'options.db');
    this.#options = resolveMaintainOptions(maintainOptions);
    this.#intervalMs = numberOption(intervalMs, 'intervalMs', DEFAULT_MAINTENANCE_INTERVAL_MS, {
      min: 1,
    });
    this.#tick();
  }

  /** Totals since the timer started. */
  metrics(): MaintenanceMetrics {
    return { ...this.#counters };
  }

  /** Runs maintenance now (after the run in progress, if any) and resolves with its result. */
  async runNow(): Promise<MaintenanceResult> {
    await this.#running;
    const run = this.#run();
    this.#running = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  /** Stops the timer and waits for a run in progress. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One run now, then the next one `intervalMs` after it ends. */
  #tick(): void {
    const running = this.#run().then(
      () => {},
      () => {},
    );
    this.#running = running;
    void running.then(() => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => this.#tick(), this.#intervalMs);
      this.#timer.unref();
    });
  }

  async #run(): Promise<MaintenanceResult> {
    const c = this.#counters;
    try {
      const result = await runMaintenance(this.#executor, this.#options);
      if (!result.ran) c.skippedRuns++;
      else {
        c.runs++;
        c.partitionsCreated += result.created.length;
        c.partitionsDropped += result.dropped.length;
        c.partitionsDeferred += result.deferred.length;
        c.rowsMoved += result.movedRows;
        c.defaultRowsExpired += result.expiredDefaultRows;
        c.outboxRowsPurged += result.outboxPurged;
        c.inboxRowsPurged += result.inboxPurged;
        c.lastDurationMs = result.durationMs;
        c.lastRunAt = new Date();
      }
      this.#safely(() => this.emit('run', result));
      return result;
    } catch (cause) {
      c.failedRuns++;
      const error = new MaintenanceError(cause);
      this.#safely(() => this.emit('error', error));
      throw error;
    }
  }

  /** Runs `emit`; a listener that throws must not stop the schedule. */
  #safely(emit: () => void): void {
    try {
      emit();
    } catch {
      // ignored on purpose (see above)
    }
  }
}

/**
 * Starts periodic maintenance of `event_logs` and the outbox (see `maintain`): a first run at
 * once, then one every `intervalMs`. Start it in every instance: the advisory lock makes one of
 * them do each run. Call `stop()` on shutdown.
 */
export function startMaintenance(options: MaintenanceTimerOptions): MaintenanceTimer {
  return new MaintenanceTimer(options);
}
