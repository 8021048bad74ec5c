import { closeTimeoutSpec } from '../../lifecycle/close.js';
import { instanceId } from '../../lifecycle/instance.js';
import { type LifecycleLog, logSpec } from '../../lifecycle/log.js';
import { atLeast, defineOptions, type Resolved } from '../../options/schema.js';
import { boolean, integer, oneOf, text } from '../../options/spec.js';
import { type Backoff, type BackoffOptions, backoffSpec } from '../../retry/backoff.js';
import type { Sink } from '../../sinks/sink.js';
import { type PublishFunction, targetSinks, targetSpecs } from '../../sinks/targets.js';
import { dbSpec } from '../driver/executor.js';
import type { PgDatabase } from '../driver/types.js';
import { schemaSpec } from '../sql/names.js';

export type { PublishFunction } from '../../sinks/targets.js';

/**
 * Order in which events reach the sinks:
 * - `none`: oldest first within a claim, but claims of several publishers (or `claimsInFlight`
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
   * it retried in all. The publisher closes them on `close()`. Give `sinks` or `publish`.
   * @default none (give `sinks` or `publish`)
   */
  readonly sinks?: readonly Sink[];
  /** A function to publish with, instead of `sinks`. @default none (give `sinks` or `publish`) */
  readonly publish?: PublishFunction;
  /**
   * Lifecycle messages (started, closed, LISTEN lost and back, rows marked failed), e.g. a pino
   * logger. @default none (silent)
   */
  readonly log?: LifecycleLog;
  /**
   * This publisher's name in `locked_by` (followed by `/` a random tag `/` the claim's number) and in logs;
   * at most 200 characters.
   * @default '<hostname>:<pid>:<4 random hex bytes>'
   */
  readonly id?: string;
  /**
   * Rows the first claim takes, and the claim size whenever the backlog is short: a claim that
   * finds fewer rows than it asked for makes the next one ask for this many again. @default 100
   */
  readonly claimSize?: number;
  /**
   * Most rows one claim takes. A claim that comes back full says more are waiting: the next one
   * asks for twice as many, up to this, so a backlog is published in few, large batches while a
   * trickle still goes out in small ones. At least `claimSize`; raised to a `claimSize` given
   * above it. Every claimed batch must be published within `leaseMs`.
   * @default 1000
   */
  readonly maxClaimSize?: number;
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
  readonly claimsInFlight?: number;
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
   * Retry of a row whose publish failed: `retries` failed attempts are retried after the first
   * one, each after the backoff's delay (in milliseconds); the next failure marks the row
   * `failed` (with `last_error`) until `reprocessFailed()`. Fields not given keep their default.
   * @default { retries: 10, minDelayMs: 1000, maxDelayMs: 300000, factor: 2, jitter: 'equal' }
   */
  readonly retry?: BackoffOptions;
  /** Order in which events reach the sinks (see {@link OutboxOrdering}). @default 'none' */
  readonly ordering?: OutboxOrdering;
  /**
   * Wake on NOTIFY over a connection of its own (a Pool's client, reconnected with backoff when
   * lost; on PGlite, in process). With it, claims and settlements are also prepared statements
   * on `pg` (parsed and planned once per connection). Turn off behind a transaction-pooling
   * proxy, which supports neither; polling then does all the work.
   * @default true
   */
  readonly listen?: boolean;
  /** Deadline of `close()` when the call gives none, in milliseconds. @default 10000 */
  readonly closeTimeoutMs?: number;
}

/** A row's retry when nothing else is said. */
const RETRY: Backoff = {
  retries: 10,
  minDelayMs: 1000,
  maxDelayMs: 300_000,
  factor: 2,
  jitter: 'equal',
};

const ORDERINGS = ['none', 'aggregate'] as const;

const specs = {
  db: dbSpec(),
  schema: schemaSpec(),
  ...targetSpecs(),
  log: logSpec(),
  id: text({ maxLength: 200 }).optional("'<hostname>:<pid>:<4 random hex bytes>'"),
  claimSize: integer({ min: 1 }).default(100),
  maxClaimSize: integer({ min: 1 }).default(1000),
  claimsInFlight: integer({ min: 1 }).default(2),
  pollIntervalMs: integer({ min: 1 }).default(1000),
  leaseMs: integer({ min: 1 }).default(30_000),
  retry: backoffSpec(RETRY),
  ordering: oneOf(ORDERINGS).default('none'),
  listen: boolean().default(true),
  closeTimeoutMs: closeTimeoutSpec(),
};

/**
 * The rules across options: `sinks` or `publish`, not both; `maxClaimSize` at least
 * `claimSize` (raised to it when only `claimSize` is given above it); one claim in flight by
 * default with `ordering: 'aggregate'`.
 */
function publisherRule(
  o: Resolved<typeof specs>,
  given: Readonly<Record<string, unknown>>,
  field: string,
): Resolved<typeof specs> {
  targetSinks(o, field);
  return {
    ...atLeast('maxClaimSize', 'claimSize')(o, given, field),
    claimsInFlight:
      given.claimsInFlight === undefined && o.ordering === 'aggregate' ? 1 : o.claimsInFlight,
  };
}

/** {@link OutboxPublisherOptions} as a table of specs. @internal */
export const outboxPublisherOptions = defineOptions<OutboxPublisherOptions>()(
  'OutboxPublisherOptions',
  specs,
  publisherRule,
);

/** The defaults of {@link OutboxPublisherOptions} (`id` is made per publisher). */
export const DEFAULT_OUTBOX_PUBLISHER_OPTIONS = Object.freeze(
  outboxPublisherOptions.defaults,
) as Readonly<
  Required<Omit<OutboxPublisherOptions, 'db' | 'sinks' | 'publish' | 'log' | 'id' | 'retry'>> & {
    /** The default `retry` backoff, every field resolved. */
    readonly retry: Backoff;
  }
>;

/** The publisher's options, every one resolved. @internal */
export interface ResolvedPublisherOptions
  extends Omit<Resolved<typeof specs>, 'id' | 'sinks' | 'publish'> {
  readonly id: string;
  /** `sinks`, or `publish` as one sink. */
  readonly sinks: readonly Sink[];
}

/** Resolves the options; throws a {@link ValidationError} naming the first bad one. @internal */
export function resolvePublisherOptions(options: OutboxPublisherOptions): ResolvedPublisherOptions {
  const { id, sinks, publish, ...rest } = outboxPublisherOptions.resolve(options);
  return {
    ...rest,
    id: id ?? instanceId(),
    sinks: targetSinks({ sinks, publish }, 'options'),
  };
}
