import { ValidationError } from '../../errors.js';
import { checkLog, type LifecycleLog } from '../../lifecycle/log.js';
import { numberOption } from '../../options/validate.js';
import { type TableNames, tableNames } from '../sql/names.js';

/**
 * A length of time: milliseconds as a number, or text such as `'90 days'`, `'90d'`, `'12 hours'`,
 * `'6h'`, `'2 weeks'`, `'30 minutes'`.
 */
export type Duration = number | string;

/** Options of {@link maintain}. */
export interface MaintainOptions {
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /**
   * How long events are kept, measured on `created_at`. A partition is dropped once its upper
   * bound is this far in the past; rows in the default partition are deleted at the same age.
   * @default '90 days'
   */
  readonly retention?: Duration;
  /**
   * Width of each new partition, in whole hours. Partitions are aligned on multiples of it since
   * the epoch, in UTC. A width changed later applies to partitions made from then on.
   * @default '1 day'
   */
  readonly partitionWidth?: Duration;
  /** Partitions kept ready after the one holding the present moment (0 to 1000). @default 3 */
  readonly premake?: number;
  /**
   * Published outbox rows whose `published_at` is older than this are deleted; `null` leaves the
   * outbox alone. Pending and failed rows are never touched.
   * @default '7 days'
   */
  readonly outboxRetention?: Duration | null;
  /**
   * Consumer inbox records (`event_inbox`, every consumer) whose `handled_at` is older than this
   * are deleted; `null` keeps them all. A record is what stops a redelivered event from running
   * its work again, so keep them longer than any redelivery can arrive (the broker's, and the
   * outbox's retries and `reprocessFailed`).
   * @default null
   */
  readonly inboxRetention?: Duration | null;
  /**
   * Where each run says what it did, e.g. a pino logger: `info` for a run that changed something,
   * `debug` for one that found nothing to do or the lock taken, `warn` for changes deferred by a
   * busy lock, `error` for a run that failed.
   * @default none (silent)
   */
  readonly log?: LifecycleLog;
  /**
   * How long, in milliseconds, an attach or detach waits for its table lock before it gives up
   * until the next run. A detach needs the parent table alone, so writers queue behind it for at
   * most this long.
   * @default 3000
   */
  readonly lockTimeoutMs?: number;
  /** The clock, for tests and for replaying a day. @default the current time at each run */
  readonly now?: Date;
}

/** The defaults of {@link MaintainOptions}. */
export const DEFAULT_MAINTAIN_OPTIONS = Object.freeze({
  retention: '90 days',
  partitionWidth: '1 day',
  premake: 3,
  outboxRetention: '7 days',
  inboxRetention: null,
  lockTimeoutMs: 3000,
} as const);

/** Validated maintenance options, durations in milliseconds. @internal */
export interface ResolvedMaintainOptions {
  readonly names: TableNames;
  readonly retentionMs: number;
  readonly widthMs: number;
  readonly premake: number;
  readonly outboxRetentionMs: number | null;
  readonly inboxRetentionMs: number | null;
  readonly lockTimeoutMs: number;
  readonly log: LifecycleLog | undefined;
  readonly now: Date | undefined;
}

/** Upper limit of `premake`, so that a typo cannot create thousands of tables. */
const MAX_PREMAKE = 1000;
const HOUR = 3_600_000;
const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: HOUR,
  d: 24 * HOUR,
  w: 7 * 24 * HOUR,
};
const DURATION =
  /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)\s*$/i;

/** Reads a {@link Duration} into milliseconds, or throws a `ValidationError` naming `field`. @internal */
export function parseDuration(value: Duration, field: string): number {
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  const unit = match?.[2]?.toLowerCase() ?? '';
  const ms =
    typeof value === 'number'
      ? value
      : Number(match?.[1]) * (UNITS[unit === 'ms' ? 'ms' : (unit[0] ?? '')] ?? Number.NaN);
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new ValidationError(
      field,
      typeof value === 'number' || typeof value === 'string'
        ? 'VALIDATION_RANGE'
        : 'VALIDATION_TYPE',
      "must be a positive number of milliseconds or a duration such as '90 days' or '12h'",
    );
  }
  return ms;
}

/** Checks every option at once, before anything touches the database. @internal */
export function resolveMaintainOptions(options: MaintainOptions = {}): ResolvedMaintainOptions {
  if (options === null || typeof options !== 'object') {
    throw new ValidationError('options', 'VALIDATION_TYPE', 'must be an object');
  }
  const d = DEFAULT_MAINTAIN_OPTIONS;
  const widthMs = parseDuration(
    options.partitionWidth ?? d.partitionWidth,
    'options.partitionWidth',
  );
  if (widthMs % HOUR !== 0) {
    throw new ValidationError('options.partitionWidth', 'VALIDATION_RANGE', 'must be whole hours');
  }
  const { now } = options;
  if (now !== undefined && !(now instanceof Date && Number.isFinite(now.getTime()))) {
    throw new ValidationError('options.now', 'VALIDATION_TYPE', 'must be a valid Date');
  }
  const premake = numberOption(options.premake, 'premake', d.premake, { min: 0 });
  if (premake > MAX_PREMAKE) {
    throw new ValidationError(
      'options.premake',
      'VALIDATION_RANGE',
      `must be at most ${MAX_PREMAKE}`,
    );
  }
  /** A window that may be `null` (nothing purged), in milliseconds. */
  const windowMs = (
    value: Duration | null | undefined,
    fallback: Duration | null,
    name: string,
  ) => {
    const chosen = value === undefined ? fallback : value;
    return chosen === null ? null : parseDuration(chosen, `options.${name}`);
  };
  return {
    names: tableNames(options.schema, 'options.schema'),
    retentionMs: parseDuration(options.retention ?? d.retention, 'options.retention'),
    widthMs,
    premake,
    outboxRetentionMs: windowMs(options.outboxRetention, d.outboxRetention, 'outboxRetention'),
    inboxRetentionMs: windowMs(options.inboxRetention, d.inboxRetention, 'inboxRetention'),
    lockTimeoutMs: numberOption(options.lockTimeoutMs, 'lockTimeoutMs', d.lockTimeoutMs, {
      min: 1,
    }),
    log: checkLog(options.log),
    now,
  };
}
