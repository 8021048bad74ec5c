import { ValidationError } from '../../errors.js';
import { type LifecycleLog, logSpec } from '../../lifecycle/log.js';
import { defineOptions, type Resolved } from '../../options/schema.js';
import { abortSignal, boolean, custom, fn, number, text } from '../../options/spec.js';
import type { BackoffOptions } from '../../retry/backoff.js';
import { pipelineOptions, pipelineSpecs } from '../../sinks/pipeline-options.js';
import { type Sink, sinkSpec } from '../../sinks/sink.js';
import { dbSpec } from '../driver/executor.js';
import type { PgDatabase } from '../driver/types.js';
import type { EventFilters } from '../read/filters.js';
import type { QueryScope } from '../read/scope.js';
import { date, filtersSpec, scopeSpec } from '../read/specs.js';
import { schemaSpec } from '../sql/names.js';

/** Where a replay stands, as its `progress` option hears it after each batch. */
export interface ReplayProgress {
  /** Events the sink confirmed so far in this run. */
  readonly published: number;
  /** Events this run has to publish, counted when it started (exact: later events are not in reach). */
  readonly total: number;
  /** Milliseconds since the run started. */
  readonly elapsedMs: number;
  /** The last event the sink confirmed, or null before the first batch. */
  readonly lastEventId: string | null;
}

/** Options of {@link replay}. */
export interface ReplayOptions {
  /**
   * A `pg` Pool (one of its connections is held while the replay runs), a `pg` Client or a
   * PGlite instance, or a drizzle database on one of them. Never closed.
   */
  readonly db: PgDatabase;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /** Only the events of this scope. @default none: the events of every scope */
  readonly scope?: QueryScope;
  /** Only the events these filters match; where it starts and ends are `from` and `to`. @default {} */
  readonly filters?: Omit<EventFilters, 'from' | 'to'>;
  /**
   * Where the replay starts: `'start'` (every event retention still keeps) or a `Date` (the
   * events created at or after it; one older than what retention kept is a
   * `CursorExpiredError`). Required: no replay starts somewhere by default.
   */
  readonly from: 'start' | Date;
  /**
   * Only the events created before this time. Either way the replay ends at the settled mark
   * when it started: an event committed later is not in its reach.
   * @default none: every event committed when the replay started
   */
  readonly to?: Date;
  /**
   * Where the events go, in commit order, each message's id the event id (`RabbitMQSink`,
   * `NatsSink`, a sink of your own). Its `defaults` apply as in a logger. Never closed.
   */
  readonly sink: Sink;
  /**
   * Makes the replay resumable: its checkpoint (the last event of the last batch the sink
   * confirmed) is kept in `consumer_partitions` as consumer `replay:<name>`, advanced after each
   * confirmed batch. A name whose checkpoint exists is refused unless `resume` is set.
   * @default none: no checkpoint, no resume
   */
  readonly name?: string;
  /**
   * Continue after the checkpoint of `name` (begin at `from` when it has none). A resumed run
   * may publish again the events of the batches the sink had not confirmed when the last one
   * stopped: at most `writesInFlight` × `maxBatchSize` events.
   * @default false
   */
  readonly resume?: boolean;
  /** Pace, in events per second (fractions allowed). @default none: as fast as the sink takes them */
  readonly ratePerSecond?: number;
  /**
   * Most events one read and one write take (paced, a tenth of `ratePerSecond`, at least 1).
   * @default 1000
   */
  readonly maxBatchSize?: number;
  /**
   * Writes in flight at once; the checkpoint advances in order as they are confirmed.
   * @default 1 (the sink's `defaults` first: `RabbitMQSink` and `NatsSink` ask for 2)
   */
  readonly writesInFlight?: number;
  /** Abort one write attempt after this many milliseconds (then retried as transient). @default 10000 */
  readonly writeTimeoutMs?: number;
  /**
   * Retry of transient write errors, as the logger's: attempts after the first, and the pause
   * before each. A write still failing after them stops the replay (`REPLAY_SINK_FAILED`).
   * @default { retries: 3, minDelayMs: 1, maxDelayMs: 1000, factor: 2, jitter: 'none' }
   */
  readonly retry?: BackoffOptions;
  /** Stops the replay when aborted: it rejects with a `ReplayError` `REPLAY_ABORTED`. @default none */
  readonly signal?: AbortSignal;
  /** Lifecycle messages (started, done, stopped), e.g. a pino logger. @default none (silent) */
  readonly log?: LifecycleLog;
  /**
   * Called after each batch the sink confirmed (and its checkpoint saved). A callback that
   * throws is logged and ignored. @default none
   */
  readonly progress?: (progress: ReplayProgress) => void;
}

/** The options a sink's `defaults` may set for a replay. */
const PIPELINE_KEYS = ['maxBatchSize', 'writesInFlight', 'writeTimeoutMs', 'retry'] as const;

/** {@link ReplayOptions} as a table of specs. @internal */
export const replayOptions = defineOptions<ReplayOptions>()(
  'ReplayOptions',
  {
    db: dbSpec(),
    schema: schemaSpec(),
    scope: scopeSpec('none: the events of every scope'),
    filters: filtersSpec(false),
    from: custom("'start' or a Date", (value, field) =>
      value === 'start' ? ('start' as const) : date(value, field),
    ),
    to: custom('a Date', date).optional('none: every event committed when the replay started'),
    sink: sinkSpec,
    name: text({ maxLength: 200 }).optional('none: no checkpoint, no resume'),
    resume: boolean().default(false),
    ratePerSecond: number({ min: 0.001, max: 1_000_000 }).optional(
      'none: as fast as the sink takes them',
    ),
    maxBatchSize: pipelineSpecs.maxBatchSize,
    writesInFlight: pipelineSpecs.writesInFlight,
    writeTimeoutMs: pipelineSpecs.writeTimeoutMs,
    retry: pipelineSpecs.retry,
    signal: abortSignal().optional(),
    log: logSpec(),
    progress: fn<(progress: ReplayProgress) => void>().optional(),
  },
  (resolved, _given, field) => {
    if (resolved.resume && resolved.name === undefined) {
      throw new ValidationError(`${field}.resume`, 'VALIDATION_REQUIRED', 'needs a name');
    }
    const { from, to } = resolved;
    if (to !== undefined && from instanceof Date && to <= from) {
      throw new ValidationError(`${field}.to`, 'VALIDATION_RANGE', `must be after ${field}.from`);
    }
    return resolved;
  },
);

/** Replay options resolved. @internal */
export type ResolvedReplayOptions = ReturnType<typeof replayOptions.resolve>;

/**
 * Resolves `options`: given values first, then the sink's `defaults` (as a logger layers them),
 * then the defaults. Throws a `ValidationError` naming the field. @internal
 */
export function resolveReplayOptions(options: ReplayOptions): ResolvedReplayOptions {
  const { sink } = replayOptions.resolve(options);
  const fromSink = pipelineOptions.resolve(sink.defaults, 'options.sink.defaults');
  const base: Partial<Resolved<typeof pipelineSpecs>> = {};
  for (const key of PIPELINE_KEYS) (base as Record<string, unknown>)[key] = fromSink[key];
  return replayOptions.resolve(options, 'options', base as Partial<ResolvedReplayOptions>);
}
