import { atLeast, defineOptions, type Resolved } from '../options/schema.js';
import { integer, oneOf } from '../options/spec.js';
import { type Backoff, type BackoffOptions, backoffSpec } from '../retry/backoff.js';

/**
 * What happens when a sink's queue is full:
 * - `block`: `logEvent` waits until the sink has room. Nothing is lost; the caller slows down.
 * - `drop-newest`: the new event is not queued for that sink (counted, `drop` emitted).
 * - `drop-oldest`: the oldest queued event of that sink is discarded to make room (counted, emitted).
 */
export type OverflowPolicy = 'block' | 'drop-newest' | 'drop-oldest';

/** Batching and delivery settings; set on the logger for all sinks, or per sink. */
export interface PipelineOptions {
  /**
   * A write starts as soon as this many events are waiting (or `flushIntervalMs` has passed).
   * @default 100
   */
  readonly flushSize?: number;
  /**
   * Most events one write takes. When more than `flushSize` are waiting (a burst, or a backlog
   * that piled up behind a slow write), a write takes all of them up to this many, so a backlog
   * is written in the fewest statements; under light traffic writes stay small. At least
   * `flushSize`; when only `flushSize` is given above it, it is raised to `flushSize`.
   * @default 1000
   */
  readonly maxBatchSize?: number;
  /** Longest time an event waits for a batch to fill, in milliseconds. @default 100 */
  readonly flushIntervalMs?: number;
  /**
   * Events a sink may hold queued, not counting writes in flight (at most `writesInFlight` ×
   * `maxBatchSize` more). @default 10000
   */
  readonly maxQueueSize?: number;
  /** What to do when the queue is full. @default 'block' */
  readonly overflow?: OverflowPolicy;
  /**
   * Writes in flight at once for one sink. Above 1, batches may land out of order.
   * @default 1 (`PostgresSink`, `RabbitMQSink` and `NatsSink` ask for 2 through their `defaults`)
   */
  readonly writesInFlight?: number;
  /** Abort one write attempt after this many milliseconds (then retried as transient). @default 10000 */
  readonly writeTimeoutMs?: number;
  /**
   * Retry of transient write errors: attempts after the first, and the pause before each.
   * @default { retries: 3, minDelayMs: 1, maxDelayMs: 1000, factor: 2, jitter: 'none' }
   */
  readonly retry?: BackoffOptions;
}

/** The logger's retry of a failed write when nothing else is said. */
const RETRY: Backoff = { retries: 3, minDelayMs: 1, maxDelayMs: 1000, factor: 2, jitter: 'none' };

const OVERFLOW_POLICIES = ['block', 'drop-newest', 'drop-oldest'] as const;

/** The specs of {@link PipelineOptions}, shared by the logger's and a sink's options. @internal */
export const pipelineSpecs = {
  flushSize: integer({ min: 1 }).default(100),
  maxBatchSize: integer({ min: 1 }).default(1000),
  flushIntervalMs: integer({ min: 0 }).default(100),
  maxQueueSize: integer({ min: 1 }).default(10_000),
  overflow: oneOf(OVERFLOW_POLICIES).default('block'),
  writesInFlight: integer({ min: 1 }).default(1),
  writeTimeoutMs: integer({ min: 1 }).default(10_000),
  retry: backoffSpec(RETRY),
};

/** Pipeline options with every value resolved. @internal */
export type ResolvedPipelineOptions = Resolved<typeof pipelineSpecs>;

/**
 * `maxBatchSize` is at least `flushSize`: raised to it when only `flushSize` is given above it
 * (in this layer), refused when both are given the wrong way round. @internal
 */
export const pipelineRule = atLeast('maxBatchSize', 'flushSize');

/** {@link PipelineOptions}, as a sink's `defaults` give them. @internal */
export const pipelineOptions = defineOptions<PipelineOptions>()(
  'PipelineOptions',
  pipelineSpecs,
  pipelineRule,
);

/** The defaults of {@link PipelineOptions}. */
export const DEFAULT_PIPELINE_OPTIONS = Object.freeze(
  pipelineOptions.resolve(undefined),
) as Readonly<
  Required<Omit<PipelineOptions, 'retry'>> & {
    /** The default `retry` backoff, every field resolved. */
    readonly retry: Backoff;
  }
>;

/** The pipeline options among `options` (which may hold other keys, checked elsewhere). @internal */
export function pickPipelineOptions(options: object): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of pipelineOptions.keys) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked;
}
