import type { ResolvedFilters } from '../read/filters.js';
import type { KeysetPosition, SortOrder } from '../sql/queries.js';

/** A slice of time a page is read from: `[from, to)` in epoch ms; `null` is unbounded. @internal */
export interface TimeWindow {
  readonly from: number | null;
  readonly to: number | null;
}

const DAY = 86_400_000;
/**
 * How far back from where a newest-first page starts its first and second reads reach: one
 * day, then a week more; the third read takes all that is older.
 */
const REACH_MS = [DAY, 8 * DAY] as const;
/** The largest time a JavaScript Date holds; a page starting beyond it is read in one piece. */
const MAX_DATE_MS = 8.64e15;

/**
 * A read of one session, business object, workflow or trace: its rows are few and its own
 * index serves them in order, so slices of time would only add statements (and lead the planner
 * to the scope's index for each narrow slice).
 */
const narrow = (f: ResolvedFilters) =>
  f.sessionId !== null || f.aggregateId !== null || f.workflowId !== null || f.traceId !== null;

/** A whole page in one read. */
const WHOLE: readonly TimeWindow[] = [{ from: null, to: null }];

/**
 * The slices of time, newest first, that a page is read in, one statement each, until it is
 * full. Each statement's literal time bounds let Postgres plan only the partitions in its slice:
 * the first page of a busy scope plans the partitions of the last day, not all of them, and a
 * deep keyset page those of the day before its cursor. Oldest-first, offset and narrow pages
 * are read whole (`[{ from: null, to: null }]`). The slices never overlap and together cover all
 * the time before the page's start, so the page is the same whichever slice a row is found in.
 * @internal
 */
export function pageWindows(
  order: SortOrder,
  offset: number,
  filters: ResolvedFilters,
  position: KeysetPosition | null,
  now: number,
): readonly TimeWindow[] {
  if (order !== 'desc' || offset > 0 || narrow(filters)) return WHOLE;
  // Just after the cursor's row (ms are coarser than its µs), or the range's end, or none.
  const after = position ? Math.floor(Number(position.micros) / 1000) + 1 : Infinity;
  const upper = Math.min(after, filters.to?.getTime() ?? Infinity);
  const start = Number.isFinite(upper) ? upper : now;
  if (!(Math.abs(start) < MAX_DATE_MS - REACH_MS[1])) return WHOLE;
  const windows: TimeWindow[] = [];
  let to = Number.isFinite(upper) ? upper : null;
  for (const reach of REACH_MS) {
    const from = start - reach;
    if (filters.from && from <= filters.from.getTime()) break;
    windows.push({ from, to });
    to = from;
  }
  windows.push({ from: null, to });
  return windows;
}
