import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { ValidationError } from '../../errors.js';
import type { EventRecord } from '../../event/types.js';
import { closeTimeoutSpec } from '../../lifecycle/close.js';
import { type LifecycleLog, logSpec } from '../../lifecycle/log.js';
import { defineOptions } from '../../options/schema.js';
import { boolean, custom, fn, integer, text } from '../../options/spec.js';
import { type Backoff, type BackoffOptions, backoffSpec } from '../../retry/backoff.js';
import { isPool } from '../driver/checkout.js';
import { dbSpec, unwrapDatabase } from '../driver/executor.js';
import type { PgDatabase, QueryableLike } from '../driver/types.js';
import type { EventFilters } from '../read/filters.js';
import type { QueryScope } from '../read/scope.js';
import { filtersSpec, scopeSpec } from '../read/specs.js';
import { schemaSpec } from '../sql/names.js';

/**
 * The handler of a {@link Consumer}: `events` are events of one partition (one or more keys),
 * in commit order; `tx` is the connection of the transaction they are handled in (a `pg`
 * PoolClient inside `BEGIN`): what the handler writes with it commits together with the
 * consumer's checkpoint, or not at all. Throwing rolls both back.
 */
export type ConsumerHandler = (events: readonly EventRecord[], tx: QueryableLike) => Promise<void>;

/** Where a new consumer starts: see {@link ConsumerOptions.from}. */
export type ConsumerStart = 'start' | 'now' | Date;

/** Options of {@link Consumer}. */
export interface ConsumerOptions {
  /**
   * A `pg` Pool, or a drizzle database on one: each member holds one connection for its
   * handler's transactions, one for LISTEN (with `listen`), and uses another briefly for its
   * heartbeat (so `max` at least 3, or 2 without `listen`). Never closed.
   */
  readonly db: PgDatabase;
  /** The consumer's (the group's) name: the processes that run a consumer of one name share its events. */
  readonly name: string;
  /**
   * Where the consumer starts when it is first created: `'start'` (every event retention
   * still keeps), `'now'` (the events committed from now on), or a `Date` (the events created
   * at or after it; one older than what retention kept is a `CursorExpiredError` from
   * `start()`). Afterwards its checkpoints win (the `log` says so). Required: no consumer
   * starts somewhere by default.
   */
  readonly from: ConsumerStart;
  /** The handler, called with the events of one partition and the transaction's connection. */
  readonly handle: ConsumerHandler;
  /** Only the events of this scope. @default none: the events of every scope */
  readonly scope?: QueryScope;
  /** Only the events these filters match (where it starts is `from`). @default {} */
  readonly filters?: Omit<EventFilters, 'from' | 'to'>;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /**
   * Partitions the events are split into by key (aggregate id, else session id, else user
   * id); each is handled by one member at a time, so this is the most members that work at
   * once. Fixed when the consumer is created: another value later is refused.
   * @default 16
   */
  readonly partitions?: number;
  /** Most events handed to the handler at once (one transaction). @default 100 */
  readonly batchSize?: number;
  /**
   * How long a member's hold of a partition lasts without renewal, in milliseconds: the
   * partitions of a member that died are taken by others after this.
   * @default 10000
   */
  readonly leaseMs?: number;
  /**
   * How often a member renews its leases, says it is alive and rebalances, in milliseconds;
   * less than `leaseMs`.
   * @default 2000
   */
  readonly heartbeatMs?: number;
  /** Look for new events this often when no NOTIFY wakes the member, in milliseconds. @default 1000 */
  readonly pollIntervalMs?: number;
  /** Wake on the NOTIFY of new events (one pool connection LISTENs). @default true */
  readonly listen?: boolean;
  /**
   * Retries of an event the handler fails on, handled alone, and the pause before each; after
   * them the event is parked in `dead_letters` (and the later events of its key behind it).
   * @default { retries: 4, minDelayMs: 100, maxDelayMs: 2000, factor: 2, jitter: 'equal' }
   */
  readonly retry?: BackoffOptions;
  /**
   * This member's id in `consumer_members` and as the owner of its partitions, one per live
   * `Consumer` (`start()` is refused with `CONSUMER_MEMBER_TAKEN` while another `Consumer` of
   * this name, seen within `leaseMs`, has it; after a crash it is free once `leaseMs` passed).
   * @default '<hostname>:<pid>:<4 random hex bytes>'
   */
  readonly member?: string;
  /** The deadline of `close()` when the call gives none, in milliseconds. @default 10000 */
  readonly closeTimeoutMs?: number;
  /** Lifecycle messages (started, rebalanced, parked, closed), e.g. a pino logger. @default none (silent) */
  readonly log?: LifecycleLog;
}

const RETRY: Backoff = Object.freeze({
  retries: 4,
  minDelayMs: 100,
  maxDelayMs: 2000,
  factor: 2,
  jitter: 'equal',
});

/** A pool, or a drizzle database on one. */
const poolSpec = () => {
  const db = dbSpec();
  return custom('a pg Pool, or a drizzle database on one', (value, field) => {
    const resolved = db.resolve(value, field);
    if (!isPool(unwrapDatabase(resolved, field))) {
      throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a pg Pool (or drizzle on one)');
    }
    return resolved;
  });
};

/** {@link ConsumerOptions} as a table of specs. @internal */
export const consumerOptions = defineOptions<ConsumerOptions>()(
  'ConsumerOptions',
  {
    db: poolSpec(),
    name: text({
      maxLength: 200,
      pattern: /^(?!replay:)/,
      accepts: "a non-empty string of at most 200 characters, not starting with 'replay:'",
    }),
    from: custom("'start', 'now' or a Date", (value, field) => {
      if (value === 'start' || value === 'now') return value;
      if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
      throw new ValidationError(field, 'VALIDATION_TYPE', "must be 'start', 'now' or a Date");
    }),
    handle: fn<ConsumerHandler>(),
    scope: scopeSpec('none: the events of every scope'),
    filters: filtersSpec(false),
    schema: schemaSpec(),
    partitions: integer({ min: 1, max: 1024 }).default(16),
    batchSize: integer({ min: 1, max: 10_000 }).default(100),
    leaseMs: integer({ min: 100 }).default(10_000),
    heartbeatMs: integer({ min: 10 }).default(2000),
    pollIntervalMs: integer({ min: 1 }).default(1000),
    listen: boolean().default(true),
    retry: backoffSpec(RETRY),
    member: text({ maxLength: 200 }).optional("'<hostname>:<pid>:<4 random hex bytes>'"),
    closeTimeoutMs: closeTimeoutSpec(),
    log: logSpec(),
  },
  (resolved, _given, field) => {
    if (resolved.heartbeatMs >= resolved.leaseMs) {
      throw new ValidationError(
        `${field}.heartbeatMs`,
        'VALIDATION_RANGE',
        'must be below leaseMs',
      );
    }
    return resolved;
  },
);

/** The consumer's options, every one resolved. @internal */
export type ResolvedConsumerOptions = ReturnType<typeof consumerOptions.resolve> & {
  readonly member: string;
};

/** Resolves the options; throws a {@link ValidationError} naming the first bad one. @internal */
export function resolveConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  const o = consumerOptions.resolve(options);
  return {
    ...o,
    member: o.member ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
  };
}
