import type { EventCatalog } from '../catalog/catalog.js';
import { ValidationError } from '../errors.js';
import type { Sink } from '../sinks/sink.js';

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
  /** Events per write; a write starts as soon as this many are waiting. @default 100 */
  readonly batchSize?: number;
  /** Longest time an event waits for a batch to fill, in milliseconds. @default 100 */
  readonly flushIntervalMs?: number;
  /** Events a sink may hold queued (not counting writes in flight). @default 10000 */
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

/** A sink with settings of its own, overriding the logger's {@link PipelineOptions}. */
export interface SinkRegistration extends PipelineOptions {
  readonly sink: Sink;
}

/** Options of {@link EventLogger}. */
export interface EventLoggerOptions<TCatalog extends EventCatalog | undefined = undefined>
  extends PipelineOptions {
  /** Where events go. Each sink gets its own queue and worker. At least one. */
  readonly sinks: ReadonlyArray<Sink | SinkRegistration>;
  /**
   * Receives events a sink could not write (after retries, or refused as invalid), with the error.
   * `null` drops them instead (still counted and emitted). @default new ConsoleSink() (stderr)
   */
  readonly fallback?: Sink | null;
  /** Deadline of `close()` when the call gives none, in milliseconds. @default 10000 */
  readonly closeTimeoutMs?: number;
  /** Largest payload accepted, in bytes of serialized JSON. @default 262144 (256 KiB) */
  readonly maxPayloadBytes?: number;
  /**
   * The application's event catalog (`defineCatalog`): `logEvent` then accepts only its types,
   * with their payload types at compile time and their schemas at run time. @default none
   */
  readonly catalog?: TCatalog;
}

/** @internal */
export interface ResolvedPipelineOptions {
  readonly batchSize: number;
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
  flushIntervalMs: 100,
  maxQueueSize: 10_000,
  overflow: 'block',
  concurrency: 1,
  writeTimeoutMs: 10_000,
  retry: Object.freeze({ retries: 3, minDelayMs: 1, factor: 2, maxDelayMs: 1000, jitter: false }),
});

/** The default of {@link EventLoggerOptions.closeTimeoutMs}. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['block', 'drop-newest', 'drop-oldest'];

/**
 * The largest number an option takes: Node runs a timer set beyond it after 1 ms, so a larger
 * delay or timeout would mean "at once", the opposite of what was asked.
 */
export const MAX_OPTION_VALUE = 2_147_483_647;

/** Checks that an option is a number within range; returns the default when absent. @internal */
export function numberOption(
  value: number | undefined,
  name: string,
  fallback: number,
  min: number,
  integer = true,
): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < min ||
    value > MAX_OPTION_VALUE ||
    (integer && !Number.isInteger(value))
  ) {
    const kind = integer ? 'an integer' : 'a number';
    throw new ValidationError(
      `options.${name}`,
      'VALIDATION_RANGE',
      `must be ${kind} from ${min} to ${MAX_OPTION_VALUE}`,
    );
  }
  return value;
}

/** Checks that an option is one of `choices`; returns the default when absent. @internal */
export function choiceOption<T extends string>(
  value: T | undefined,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value)) {
    throw new ValidationError(
      `options.${name}`,
      'VALIDATION_RANGE',
      `must be one of ${choices.join(', ')}`,
    );
  }
  return value;
}

/** Checks that an option is a boolean; returns the default when absent. @internal */
export function booleanOption(
  value: boolean | undefined,
  name: string,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new ValidationError(`options.${name}`, 'VALIDATION_TYPE', 'must be a boolean');
  }
  return value;
}

/**
 * Checks that `options.sinks[index]` is a sink whose name is not in `names`, then adds the name.
 * @internal
 */
export function checkSink(sink: Sink, index: number, names: Set<string>): void {
  if (typeof sink?.write !== 'function' || typeof sink.name !== 'string') {
    throw new ValidationError(`options.sinks[${index}]`, 'VALIDATION_TYPE', 'must be a Sink');
  }
  if (names.has(sink.name)) {
    throw new ValidationError(
      `options.sinks[${index}].name`,
      'VALIDATION_RANGE',
      `"${sink.name}" is used twice`,
    );
  }
  names.add(sink.name);
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
  const batchSize = numberOption(options.batchSize, `${scope}batchSize`, base.batchSize, 1);
  return {
    batchSize,
    flushIntervalMs: numberOption(
      options.flushIntervalMs,
      `${scope}flushIntervalMs`,
      base.flushIntervalMs,
      0,
    ),
    maxQueueSize: numberOption(options.maxQueueSize, `${scope}maxQueueSize`, base.maxQueueSize, 1),
    overflow,
    concurrency: numberOption(options.concurrency, `${scope}concurrency`, base.concurrency, 1),
    writeTimeoutMs: numberOption(
      options.writeTimeoutMs,
      `${scope}writeTimeoutMs`,
      base.writeTimeoutMs,
      1,
    ),
    retry: {
      retries: numberOption(retry.retries, `${scope}retry.retries`, base.retry.retries, 0),
      minDelayMs: numberOption(
        retry.minDelayMs,
        `${scope}retry.minDelayMs`,
        base.retry.minDelayMs,
        0,
        false,
      ),
      factor: numberOption(retry.factor, `${scope}retry.factor`, base.retry.factor, 1, false),
      maxDelayMs: numberOption(
        retry.maxDelayMs,
        `${scope}retry.maxDelayMs`,
        base.retry.maxDelayMs,
        0,
        false,
      ),
      jitter: booleanOption(retry.jitter, `${scope}retry.jitter`, base.retry.jitter),
    },
  };
}
