import { ValidationError } from '../../errors.js';
import type { EventRecord } from '../../event/types.js';
import { knownFields } from '../read/fields.js';
import type { SortOrder } from '../sql/queries.js';

/** How much of a result to return, and from where. */
export interface PageOptions {
  /** Events per page, 1 to the query object's `maxLimit`; more is refused, never clamped. @default 50 */
  readonly limit?: number;
  /**
   * Events to skip, for compatibility with offset paging. Each deep page re-reads every row
   * before it; use `cursor` instead. Cannot be combined with `cursor`. @default 0
   */
  readonly offset?: number;
  /** The `nextCursor` of the previous page of the same read (same scope, filters and order). */
  readonly cursor?: string;
  /** `desc`: newest first; `asc`: oldest first (by `created_at`, then `id`). @default 'desc' */
  readonly order?: SortOrder;
}

/** One page of events. */
export interface EventPage {
  /** The events, in the requested order. */
  readonly items: EventRecord[];
  /** Pass as `cursor` to get the next page; `null` when this page is the last. */
  readonly nextCursor: string | null;
}

/** Checked page options. @internal */
export interface ResolvedPage {
  readonly limit: number;
  readonly offset: number;
  readonly cursor: string | null;
  readonly order: SortOrder;
}

const KEYS = new Set(['limit', 'offset', 'cursor', 'order']);

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(
      field,
      'VALIDATION_RANGE',
      `must be an integer from ${min} to ${max}`,
    );
  }
  return value;
}

/** Checks page options against the query object's limits. @internal */
export function resolvePage(
  page: unknown,
  limits: { readonly defaultLimit: number; readonly maxLimit: number },
): ResolvedPage {
  const p = knownFields(page, 'page', KEYS, 'a page option', 'page options');
  const order = p.order ?? 'desc';
  if (order !== 'desc' && order !== 'asc') {
    throw new ValidationError('page.order', 'VALIDATION_RANGE', "must be 'desc' or 'asc'");
  }
  const offset =
    p.offset === undefined ? 0 : integer(p.offset, 'page.offset', 0, Number.MAX_SAFE_INTEGER);
  if (p.cursor !== undefined && p.offset !== undefined) {
    throw new ValidationError('page.offset', 'VALIDATION_RANGE', 'cannot be combined with cursor');
  }
  if (p.cursor !== undefined && typeof p.cursor !== 'string') {
    throw new ValidationError('page.cursor', 'VALIDATION_TYPE', 'must be a string');
  }
  return {
    limit:
      p.limit === undefined
        ? limits.defaultLimit
        : integer(p.limit, 'page.limit', 1, limits.maxLimit),
    offset,
    cursor: (p.cursor as string | undefined) ?? null,
    order,
  };
}
