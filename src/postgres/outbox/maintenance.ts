import { ValidationError } from '../../errors.js';
import { isUuid } from '../../event/uuid.js';
import { cutoffOption } from '../../options/validate.js';
import { deleteInChunks } from '../driver/chunks.js';
import type { Executor } from '../driver/types.js';
import { OUTBOX_STATUSES, type OutboxStatus } from '../schema/constants.js';
import type { OutboxSql } from '../sql/outbox.js';

/** Which failed rows {@link OutboxAdmin.reprocessFailed} puts back. Filters combine with AND. */
export interface ReprocessFilter {
  /** Only these event ids. */
  readonly ids?: readonly string[];
  /** Only these event types. */
  readonly eventTypes?: readonly string[];
  /** Only these aggregates. */
  readonly aggregateIds?: readonly string[];
}

/** Options of {@link OutboxAdmin.purgePublished}. */
export interface PurgeOptions {
  /** Delete rows published before this Date, or more than this many milliseconds ago. */
  readonly olderThan: Date | number;
}

/** Row counts of the outbox, as returned by `outboxStats()`. */
export interface OutboxStats {
  /** Rows per status. */
  readonly byStatus: Readonly<Record<OutboxStatus, number>>;
  /** Rows per event type, then per status. */
  readonly byType: Readonly<Record<string, Readonly<Record<OutboxStatus, number>>>>;
}

function listFilter(value: readonly string[] | undefined, field: string): string | null {
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ValidationError(`filter.${field}`, 'VALIDATION_TYPE', 'must be an array of strings');
  }
  return JSON.stringify(value);
}

/** Failed rows matching `filter` back to pending (retry_count 0); returns how many. @internal */
export async function reprocessFailed(
  executor: Executor,
  statements: OutboxSql,
  filter: ReprocessFilter,
): Promise<number> {
  if (filter === null || typeof filter !== 'object') {
    throw new ValidationError('filter', 'VALIDATION_TYPE', 'must be an object');
  }
  const params = [
    listFilter(filter.ids, 'ids'),
    listFilter(filter.eventTypes, 'eventTypes'),
    listFilter(filter.aggregateIds, 'aggregateIds'),
  ];
  const badId = filter.ids?.findIndex((id) => !isUuid(id)) ?? -1;
  if (badId >= 0) {
    throw new ValidationError(`filter.ids[${badId}]`, 'VALIDATION_RANGE', 'must be a UUID');
  }
  const { rows } = await executor.query<{ n: number }>(statements.reprocess, params);
  return rows[0]?.n ?? 0;
}

/** Deletes published rows older than `options.olderThan`, in chunks; returns how many. @internal */
export async function purgePublished(
  executor: Executor,
  statements: OutboxSql,
  options: PurgeOptions,
): Promise<number> {
  return deleteInChunks(executor, statements.purge, cutoffOption(options?.olderThan, 'olderThan'));
}

const zeroCounts = (): Record<OutboxStatus, number> =>
  Object.fromEntries(OUTBOX_STATUSES.map((s) => [s, 0])) as Record<OutboxStatus, number>;

/** Counts by status and by event type (one pass over the table). @internal */
export async function outboxStats(executor: Executor, statements: OutboxSql): Promise<OutboxStats> {
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
export async function pendingGauge(
  executor: Executor,
  statements: OutboxSql,
): Promise<{ pending: number; oldestPendingAgeMs: number }> {
  const { rows } = await executor.query<{ pending: number; oldest_ms: number | null }>(
    statements.pending,
  );
  return {
    pending: rows[0]?.pending ?? 0,
    oldestPendingAgeMs: Math.max(0, rows[0]?.oldest_ms ?? 0),
  };
}
