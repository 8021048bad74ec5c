import { ValidationError } from '../../errors.js';
import { type LifecycleLog, logSpec } from '../../lifecycle/log.js';
import { defineOptions, type Resolved } from '../../options/schema.js';
import { custom, integer } from '../../options/spec.js';
import { dbSpec } from '../driver/executor.js';
import type { PgDatabase } from '../driver/types.js';
import { schemaSpec } from '../sql/names.js';

/** Options of {@link maintain}. */
export interface MaintainOptions {
  /** A `pg` Pool or Client, a PGlite instance, or a drizzle database; never closed. */
  readonly db: PgDatabase;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /**
   * How long events are kept, in milliseconds, measured on `created_at` (at most 100 years). A
   * partition is dropped once its upper bound is this far in the past; rows in the default
   * partition are deleted at the same age.
   * @default 7776000000 (90 days)
   */
  readonly retentionMs?: number;
  /**
   * Width of each new partition, in milliseconds: whole hours (a multiple of 3600000).
   * Partitions are aligned on multiples of it since the epoch, in UTC. A width changed later
   * applies to partitions made from then on.
   * @default 86400000 (1 day)
   */
  readonly partitionWidthMs?: number;
  /** Partitions kept ready after the one holding the present moment (0 to 1000). @default 3 */
  readonly premake?: number;
  /**
   * Published outbox rows whose `published_at` is older than this many milliseconds are
   * deleted; `null` leaves the outbox alone. Pending and failed rows are never touched.
   * @default 604800000 (7 days)
   */
  readonly outboxRetentionMs?: number | null;
  /**
   * Consumer inbox records (`event_inbox`, every consumer) whose `handled_at` is older than this
   * many milliseconds are deleted; `null` keeps them all. A record is what stops a redelivered
   * event from running its work again, so keep them longer than any redelivery can arrive (the
   * broker's, and the outbox's retries and `reprocessFailed`).
   * @default null
   */
  readonly inboxRetentionMs?: number | null;
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

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A window or width in milliseconds, at most 100 years (Postgres timestamps stay in range). */
const duration = () => integer({ min: 1, max: 36_525 * DAY });

/** The specs of {@link MaintainOptions} that the maintenance timer shares. @internal */
export const maintainSpecs = {
  db: dbSpec(),
  schema: schemaSpec(),
  retentionMs: duration().default(90 * DAY, '7776000000 (90 days)'),
  partitionWidthMs: duration().default(DAY, '86400000 (1 day)'),
  premake: integer({ min: 0, max: 1000 }).default(3),
  outboxRetentionMs: duration()
    .nullable()
    .default(7 * DAY, '604800000 (7 days)'),
  inboxRetentionMs: duration().nullable().default(null),
  log: logSpec(),
  lockTimeoutMs: integer({ min: 1 }).default(3000),
};

/** Partitions are whole hours wide (their names and bounds are hours of UTC). @internal */
export function wholeHours<T extends { readonly partitionWidthMs: number }>(
  resolved: T,
  _given: unknown,
  field: string,
): T {
  if (resolved.partitionWidthMs % HOUR === 0) return resolved;
  throw new ValidationError(
    `${field}.partitionWidthMs`,
    'VALIDATION_RANGE',
    `must be whole hours (a multiple of ${HOUR})`,
  );
}

/** {@link MaintainOptions} as a table of specs. @internal */
export const maintainOptions = defineOptions<MaintainOptions>()(
  'MaintainOptions',
  {
    ...maintainSpecs,
    now: custom('a valid Date', (value, field) => {
      if (!(value instanceof Date && Number.isFinite(value.getTime()))) {
        throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a valid Date');
      }
      return value;
    }).optional('the current time at each run'),
  },
  wholeHours,
);

/** Maintenance options resolved, the clock optional. @internal */
export type ResolvedMaintainOptions = Omit<Resolved<typeof maintainSpecs>, 'db'> & {
  readonly now?: Date;
};

/** The defaults of {@link MaintainOptions}. */
export const DEFAULT_MAINTAIN_OPTIONS = Object.freeze(maintainOptions.defaults) as Readonly<{
  /** The default `schema`. */
  schema: string;
  /** The default `retentionMs`. */
  retentionMs: number;
  /** The default `partitionWidthMs`. */
  partitionWidthMs: number;
  /** The default `premake`. */
  premake: number;
  /** The default `outboxRetentionMs` (null would keep published outbox rows). */
  outboxRetentionMs: number | null;
  /** The default `inboxRetentionMs` (null: not purged). */
  inboxRetentionMs: number | null;
  /** The default `lockTimeoutMs`. */
  lockTimeoutMs: number;
}>;
