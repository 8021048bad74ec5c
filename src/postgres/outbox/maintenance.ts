import { ValidationError } from '../../errors.js';
import { isUuid } from '../../event/uuid.js';
import { defineOptions } from '../../options/schema.js';
import { custom, type Spec } from '../../options/spec.js';
import { deleteInChunks, type PurgeOptions, purgeOptions } from '../driver/chunks.js';
import type { Executor } from '../driver/types.js';
import { OUTBOX_STATUSES, type OutboxStatus } from '../schema/constants.js';
import type { OutboxSql } from '../sql/outbox.js';

/** Which failed rows {@link OutboxAdmin.reprocessFailed} puts back. Filters combine with AND. */
export interface ReprocessFilter {
  /** Only these event ids (UUIDs). @default none (any id) */
  readonly ids?: readonly string[];
  /** Only these event types. @default none (any type) */
  readonly types?: readonly string[];
  /** Only these aggregates. @default none (any aggregate) */
  readonly aggregateIds?: readonly string[];
}

/** Row counts of the outbox, as returned by `counts()`. */
export interface OutboxCounts {
  /** Rows per status. */
  readonly byStatus: Readonly<Record<OutboxStatus, number>>;
  /** Rows per event type, then per status. */
  readonly byType: Readonly<Record<string, Readonly<Record<OutboxStatus, number>>>>;
}

/** The outbox's backlog, as returned by `stats()` (one query on the whole table). */
export interface OutboxStats {
  /** Rows with status `pending` in the table (all publishers). */
  readonly pending: number;
  /** Age of the oldest pending row (now − `created_at`), in milliseconds; 0 when none. */
  readonly oldestPendingAgeMs: number;
}

/** A list of strings, each checked by `item` (which names the entry, `filter.ids[2]`). */
function stringList(
  accepts: string,
  item: (value: string, field: string) => void = () => {},
): Spec<readonly string[]> {
  return custom(accepts, (value, field) => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${accepts}`);
    }
    for (const [i, v] of (value as string[]).entries()) item(v, `${field}[${i}]`);
    return value as readonly string[];
  });
}

/** {@link ReprocessFilter} as a table of specs. @internal */
export const reprocessFilter = defineOptions<ReprocessFilter>()('ReprocessFilter', {
  ids: stringList('an array of event ids (UUIDs)', (id, field) => {
    if (!isUuid(id)) throw new ValidationError(field, 'VALIDATION_RANGE', 'must be a UUID');
  }).optional('none (any id)'),
  types: stringList('an array of strings').optional('none (any type)'),
  aggregateIds: stringList('an array of strings').optional('none (any aggregate)'),
});

const listParam = (value: readonly string[] | undefined) =>
  value === undefined ? null : JSON.stringify(value);

/**
 * Failed rows matching `filter` back to pending (retry_count 0); returns how many. Throws a
 * {@link ValidationError} (field `filter.…`) for a malformed filter. @internal
 */
export async function reprocessFailed(
  executor: Executor,
  statements: OutboxSql,
  filter: ReprocessFilter | undefined,
): Promise<number> {
  const f = reprocessFilter.resolve(filter, 'filter');
  const params = [listParam(f.ids), listParam(f.types), listParam(f.aggregateIds)];
  const { rows } = await executor.query<{ n: number }>(statements.reprocess, params);
  return rows[0]?.n ?? 0;
}

/** Deletes published rows older than `options.olderThanMs`, in chunks; returns how many. @internal */
export async function purgePublished(
  executor: Executor,
  statements: OutboxSql,
  options: PurgeOptions,
): Promise<number> {
  const { olderThanMs } = purgeOptions.resolve(options);
  return deleteInChunks(executor, statements.purge, Date.now() - olderThanMs);
}

const zeroCounts = (): Record<OutboxStatus, number> =>
  Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;

/** Counts by status and by event type (one pass over the table). @internal */
export async function outboxCounts(
  executor: Executor,
  statements: OutboxSql,
): Promise<OutboxCounts> {
  const { rows } = await executor.query<{ status: OutboxStatus; event_type: string; n: number }>(
    statements.stats,
  );
  const byStatus = zeroCounts();
  // No prototype: an event type may be any string, `__proto__` included.
  const byType: Record<string, Record<OutboxStatus, number>> = Object.create(null);
  for (const { status, event_type: type, n } of rows) {
    byStatus[status] += n;
    byType[type] ??= zeroCounts();
    byType[type][status] += n;
  }
  return { byStatus, byType };
}

/** Pending rows and the age of the oldest. @internal */
export async function outboxStats(executor: Executor, statements: OutboxSql): Promise<OutboxStats> {
  const { rows } = await executor.query<{ pending: number; oldest_ms: number | null }>(
    statements.pending,
  );
  return {
    pending: rows[0]?.pending ?? 0,
    oldestPendingAgeMs: Math.max(0, rows[0]?.oldest_ms ?? 0),
  };
}
