import { ValidationError } from '../errors.js';
import { booleanOption, choiceOption, numberOption } from '../options/validate.js';

/**
 * What happens when a sink's queue is full:
 * - `block`: `logEvent` waits until the sink has room. Nothing is lost; the caller slows down.
 * - `drop-newest`: the new event is not queued for that sink (counted, `drop` emitted).
 * - `drop-oldest`: the oldest queued event of that sink is discarded to make room (counted, emitted).
 */
export type OverflowPolicy = 'block' | 'drop-newest' | 'drop-oldest';

/** Retry of transient write errors (exponential backoff, via p-retry). */
export interface RetryOptions {
  /** Retries after the first attempt. @default 3 */
  readonly retries?: number;
  /** Delay before the first retry, in milliseconds. @default 1 */
  readonly minDelayMs?: number;
  /** Growth of the delay from one retry to the next. @default 2 */
  readonly factor?: number;
  /** Upper bound of one delay, in milliseconds. @default 1000 */
  readonly maxDelayMs?: number;
  /** Multiply each delay by a random factor between 1 and 2. @default false */
  readonly jitter?: boolean;
}

/** Batching and delivery settings; set on the logger for all sinks, or per sink. */
export interface PipelineOptions {
  /**
   * The trigger of a write: a write starts as soon as this many events are waiting (or
   * `flushIntervalMs` has passed). @default 100
   */
  readonly batchSize?: number;
  /**
   * Most events one write takes. When more than `batchSize` are waiting (a burst, or a backlog
   * that piled up behind a slow write), a write takes all of them up to this many, so a backlog
   * is written in the fewest statements; under light traffic writes stay small. At least
   * `batchSize`; when only `batchSize` is given above it, it is raised to `batchSize`.
   * @default 1000
   */
  readonly maxBatchSize?: number;
  /** Longest time an event waits for a batch to fill, in milliseconds. @default 100 */
  readonly flushIntervalMs?: number;
  /**
   * Events a sink may hold queued, not counting writes in flight (at most `concurrency` ×
   * `maxBatchSize` more). @default 10000
   */
  readonly maxQueueSize?: number;
  /** What to do when the queue is full. @default 'block' */
  readonly overflow?: OverflowPolicy;
  /**
   * Writes in flight at once for one sink. Above 1, batches may land out of order.
   * @default 1 (`PostgresSink` and `RabbitMQSink` ask for 2 through their `defaults`)
   */
  readonly concurrency?: number;
  /** Abort one write attempt after this many milliseconds (then retried as transient). @default 10000 */
  readonly writeTimeoutMs?: number;
  /** Retry of transient errors. @default { retries: 3, minDelayMs: 1, factor: 2, maxDelayMs: 1000 } */
  readonly retry?: RetryOptions;
}

/** @internal */
export interface ResolvedPipelineOptions {
  readonly batchSize: number;
  readonly maxBatchSize: number;
  readonly flushIntervalMs: number;
  readonly maxQueueSize: number;
  readonly overflow: OverflowPolicy;
  readonly concurrency: number;
  readonly writeTimeoutMs: number;
  readonly retry: Required<RetryOptions>;
}

/** The defaults of {@link PipelineOptions}. */
export const DEFAULT_PIPELINE_OPTIONS: ResolvedPipelineOptions = Object.freeze({
  batchSize: 100,
  maxBatchSize: 1000,
  flushIntervalMs: 100,
  maxQueueSize: 10_000,
  overflow: 'block',
  concurrency: 1,
  writeTimeoutMs: 10_000,
  retry: Object.freeze({ retries: 3, minDelayMs: 1, factor: 2, maxDelayMs: 1000, jitter: false }),
});

const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['block', 'drop-newest', 'drop-oldest'];

/**
 * The most events one write or claim takes: given, or the base's raised to `batchSize`; never
 * below `batchSize`. `scope` prefixes the option name. @internal
 */
export function maxBatchSizeOption(
  value: number | undefined,
  batchSize: number,
  base: number,
  scope: string,
): number {
  const name = `${scope}maxBatchSize`;
  const maxBatchSize = numberOption(value, name, Math.max(base, batchSize), { min: 1 });
  if (maxBatchSize < batchSize) {
    throw new ValidationError(`options.${name}`, 'VALIDATION_RANGE', 'must be at least batchSize');
  }
  return maxBatchSize;
}

/** Resolves pipeline options over a base (the logger's own, or the defaults). @internal */
export function resolvePipelineOptions(
  options: PipelineOptions,
  base: ResolvedPipelineOptions,
  scope: string,
): ResolvedPipelineOptions {
  const overflow = choiceOption(
    options.overflow,
    `${scope}overflow`,
    OVERFLOW_POLICIES,
    base.overflow,
  );
  const retry = options.retry ?? {};
  const batchSize = numberOption(options.batchSize, `${scope}batchSize`, base.batchSize, {
    min: 1,
  });
  return {
    batchSize,
    maxBatchSize: maxBatchSizeOption(options.maxBatchSize, batchSize, base.maxBatchSize, scope),
    flushIntervalMs: numberOption(
      options.flushIntervalMs,
      `${scope}flushIntervalMs`,
      base.flushIntervalMs,
      { min: 0 },
    ),
    maxQueueSize: numberOption(options.maxQueueSize, `${scope}maxQueueSize`, base.maxQueueSize, {
      min: 1,
    }),
    overflow,
    concurrency: numberOption(options.concurrency, `${scope}concurrency`, base.concurrency, {
      min: 1,
    }),
    writeTimeoutMs: numberOption(
      options.writeTimeoutMs,
      `${scope}writeTimeoutMs`,
      base.writeTimeoutMs,
      { min: 1 },
    ),
    retry: {
      retries: numberOption(retry.retries, `${scope}retry.retries`, base.retry.retries, { min: 0 }),
      minDelayMs: numberOption(
        retry.minDelayMs,
        `${scope}retry.minDelayMs`,
        base.retry.minDelayMs,
        { min: 0, integer: false },
      ),
      factor: numberOption(retry.factor, `${scope}retry.factor`, base.retry.factor, {
        min: 1,
        integer: false,
      }),
      maxDelayMs: numberOption(
        retry.maxDelayMs,
        `${scope}retry.maxDelayMs`,
        base.retry.maxDelayMs,
        { min: 0, integer: false },
      ),
      jitter: booleanOption(retry.jitter, `${scope}retry.jitter`, base.retry.jitter),
    },
  };
}
