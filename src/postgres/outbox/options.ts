import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ValidationError } from '../../errors.js';
import type { EventRecord } from '../../event/types.js';
import type { LifecycleLog } from '../../lifecycle/log.js';
import { booleanOption, choiceOption, numberOption } from '../../options/validate.js';
import { type Backoff, type BackoffOptions, backoffSpec } from '../../retry/backoff.js';
import type { Sink } from '../../sinks/sink.js';
import { checkSink } from '../../sinks/sink.js';
import type { PgDatabase } from '../driver/types.js';

/**
 * Publishes one batch, or throws. Errors are classified like those of a sink without
 * `classifyError` (socket errors transient, the rest permanent); throw a `PartialWriteError`
 * when only some events failed.
 */
export type PublishFunction = (
  batch: readonly EventRecord[],
  context: { readonly signal: AbortSignal },
) => Promise<void>;

/**
 * Order in which events reach the sinks:
 * - `none`: oldest first within a claim, but claims of several publishers (or `concurrency`
 *   above 1) and retries interleave freely.
 * - `aggregate`: events with the same `aggregateId` are published one at a time, in
 *   (`createdAt`, `id`) order: a row is claimed only when no older row of its aggregate is still
 *   pending. No global lock; costs one index probe per candidate row and limits each aggregate to
 *   one event per claim. All publishers of a table must use it. Rows without `aggregateId` are
 *   not ordered.
 */
export type OutboxOrdering = 'none' | 'aggregate';

/** Options of {@link OutboxPublisher}. */
export interface OutboxPublisherOptions {
  /**
   * A `pg` Pool (recommended: the publisher then holds one of its connections for LISTEN), a
   * `pg` Client (polling only), a PGlite instance, or a drizzle database on one of them. Never
   * ended by the publisher.
   */
  readonly db: PgDatabase;
  /** Postgres schema of the outbox table, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /**
   * Where events go: any eventrail sinks (RabbitMQ, `PostgresSink` to project into `event_logs`,
   * your own). An event is published when every sink has taken it; a failure in one sink makes
   * it retried in all. The publisher closes them on `stop()`. Give `sinks` or `publish`.
   */
  readonly sinks?: readonly Sink[];
  /** A function to publish with, instead of `sinks`. */
  readonly publish?: PublishFunction;
  /**
   * Lifecycle messages (started, stopped, LISTEN lost and back, rows marked failed), e.g. a pino
   * logger. @default none (silent)
   */
  readonly log?: LifecycleLog;
  /**
   * This publisher's name in `locked_by` (followed by `/<random>/<claim number>`) and in logs.
   * @default '<hostname>:<pid>:<4 random hex bytes>'
   */
  readonly id?: string;
  /**
   * Rows the first claim takes, and the claim size whenever the backlog is short: a claim that
   * finds fewer rows than it asked for makes the next one ask for this many again. @default 100
   */
  readonly batchSize?: number;
  /**
   * Most rows one claim takes. A claim that comes back full says more are waiting: the next one
   * asks for twice as many, up to this, so a backlog is published in few, large batches while a
   * trickle still goes out in small ones. At least `batchSize`; raised to a `batchSize` given
   * above it. Every claimed batch must be published within `leaseMs`.
   * @default 1000
   */
  readonly maxBatchSize?: number;
  /**
   * Claims in flight at once in this publisher. With 2, the next batch is claimed while the
   * current one is published and settled, so the database works while the sinks do; a second
   * claim starts only when the first came back full (a backlog), so a trickle still goes out
   * one claim at a time. Each claim in flight takes a connection of the pool (with `listen`,
   * give the Pool `max` ≥ 3; pg's default is 10). Batches of a backlog interleave (see
   * `ordering`); 1 publishes strictly one batch after the other. Several publishers on one
   * outbox do better with 1 each: their claims contend on the same rows and indexes (four
   * publishers, quiet 2-core machine: 0.64 of the raw loop with 2 each, 0.80 with 1 each, where one
   * publisher reaches 1.03 with 2 and 0.88 with 1). With `ordering: 'aggregate'`
   * the default is 1: a claim beside one that took the oldest row of every aggregate finds each
   * next row held back behind it, after reading the whole backlog to learn so (100,000 rows over
   * 1,000 aggregates: ~6,200 events/s with 2, ~24,800 with 1). Several publishers with
   * `'aggregate'` contend the same way.
   * @default 2 (1 with `ordering: 'aggregate'`)
   */
  readonly concurrency?: number;
  /**
   * Look for due rows at least this often, in milliseconds, even without a NOTIFY: it finds
   * retries that came due, leases that expired, and rows whose notification was lost.
   * @default 1000
   */
  readonly pollIntervalMs?: number;
  /**
   * How long a claim holds its rows, in milliseconds. Publishing a batch (every sink, with the
   * splitting of refused batches) must finish within it: at the end of the lease the writes are
   * aborted and the rows are scheduled for a retry, and another publisher may take them. A
   * publisher killed mid-batch delays its rows by at most this long.
   * @default 30000
   */
  readonly leaseMs?: number;
  /**
   * Failed attempts retried after the first one; the next failure marks the row `failed`
   * (with `last_error`) until `reprocessFailed()`.
   * @default 10
   */
  readonly maxRetries?: number;
  /**
   * Delay before each retry. @default { minDelayMs: 1000, factor: 2, maxDelayMs: 300000, jitter: 'equal' }
   */
  readonly backoff?: BackoffOptions;
  /** @default 'none' */
  readonly ordering?: OutboxOrdering;
  /**
   * Wake on NOTIFY over a connection of its own (a Pool's client, reconnected with backoff when
   * lost; on PGlite, in process). With it, claims and settlements are also prepared statements
   * on `pg` (parsed and planned once per connection). Turn off behind a transaction-pooling
   * proxy, which supports neither; polling then does all the work.
   * @default true
   */
  readonly listen?: boolean;
  /** Deadline of `stop()` when the call gives none, in milliseconds. @default 10000 */
  readonly stopTimeoutMs?: number;
}

/** @internal */
export interface ResolvedPublisherOptions {
  readonly id: string;
  readonly batchSize: number;
  readonly maxBatchSize: number;
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  readonly leaseMs: number;
  readonly maxRetries: number;
  readonly backoff: Backoff;
  readonly ordering: OutboxOrdering;
  readonly listen: boolean;
  readonly stopTimeoutMs: number;
}

/** The defaults of {@link OutboxPublisherOptions} (`id` is made per publisher). */
export const DEFAULT_OUTBOX_PUBLISHER_OPTIONS = Object.freeze({
  batchSize: 100,
  maxBatchSize: 1000,
  concurrency: 2,
  pollIntervalMs: 1000,
  leaseMs: 30_000,
  maxRetries: 10,
  ordering: 'none',
  listen: true,
  stopTimeoutMs: 10_000,
} as const);

const ORDERINGS: readonly OutboxOrdering[] = ['none', 'aggregate'];

function maxClaimOption(value: number | undefined, batchSize: number): number {
  const max = numberOption(value, 'maxBatchSize', Math.max(1000, batchSize), { min: 1 });
  if (max < batchSize) {
    throw new ValidationError(
      'options.maxBatchSize',
      'VALIDATION_RANGE',
      'must be at least batchSize',
    );
  }
  return max;
}

function publisherId(value: string | undefined): string {
  if (value === undefined) return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  if (typeof value !== 'string' || value.length === 0 || value.length > 200) {
    throw new ValidationError('options.id', 'VALIDATION_RANGE', 'must be 1–200 characters');
  }
  return value;
}

/** Validates the options; throws a {@link ValidationError} naming the first bad one. @internal */
export function resolvePublisherOptions(options: OutboxPublisherOptions): ResolvedPublisherOptions {
  const d = DEFAULT_OUTBOX_PUBLISHER_OPTIONS;
  const batchSize = numberOption(options.batchSize, 'batchSize', d.batchSize, { min: 1 });
  const ordering = choiceOption(options.ordering, 'ordering', ORDERINGS, d.ordering);
  return {
    id: publisherId(options.id),
    batchSize,
    maxBatchSize: maxClaimOption(options.maxBatchSize, batchSize),
    concurrency: numberOption(
      options.concurrency,
      'concurrency',
      ordering === 'aggregate' ? 1 : d.concurrency,
      { min: 1 },
    ),
    pollIntervalMs: numberOption(options.pollIntervalMs, 'pollIntervalMs', d.pollIntervalMs, {
      min: 1,
    }),
    leaseMs: numberOption(options.leaseMs, 'leaseMs', d.leaseMs, { min: 1 }),
    maxRetries: numberOption(options.maxRetries, 'maxRetries', d.maxRetries, { min: 0 }),
    backoff: backoffSpec({
      retries: 10,
      minDelayMs: 1000,
      factor: 2,
      maxDelayMs: 300_000,
      jitter: 'equal',
    }).resolve(options.backoff, 'options.backoff'),
    ordering,
    listen: booleanOption(options.listen, 'listen', d.listen),
    stopTimeoutMs: numberOption(options.stopTimeoutMs, 'stopTimeoutMs', d.stopTimeoutMs, {
      min: 0,
    }),
  };
}

/** The sinks to publish to: `options.sinks`, or `options.publish` as one sink. @internal */
export function resolveSinks(options: OutboxPublisherOptions): readonly Sink[] {
  const { sinks, publish } = options;
  if (publish !== undefined) {
    if (sinks !== undefined) {
      throw new ValidationError(
        'options.publish',
        'VALIDATION_RANGE',
        'give sinks or publish, not both',
      );
    }
    if (typeof publish !== 'function') {
      throw new ValidationError('options.publish', 'VALIDATION_TYPE', 'must be a function');
    }
    return [{ name: 'publish', write: (batch, context) => publish(batch, context) }];
  }
  if (!Array.isArray(sinks) || sinks.length === 0) {
    throw new ValidationError('options.sinks', 'VALIDATION_REQUIRED', 'needs a sink (or publish)');
  }
  const names = new Set<string>();
  for (const [i, sink] of sinks.entries()) checkSink(sink, i, names);
  return sinks;
}
