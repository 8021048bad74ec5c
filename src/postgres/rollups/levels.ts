import type { ResolvedFilters } from '../read/filters.js';
import { GRAINS } from '../sql/rollups.js';

/**
 * A level of a rollup: which of its dimensions its rows keep (the others are '') and at which
 * grains. The built-in rollup keeps the same events at several levels, so that a read sums the
 * fewest rows: a time series of a project reads one row per bucket, counts by type one per type
 * and bucket, whatever the agents, tools and codes. @internal
 */
export interface RollupLevel {
  readonly id: number;
  readonly keeps: readonly string[];
  /** Only errors (type `ERROR` in any case, or with an error code) are kept at this level. */
  readonly errorsOnly: boolean;
  /** Its grains, coarsest first. */
  readonly grains: readonly number[];
}

/** The dimensions of the built-in rollup, event_logs' own columns. @internal */
export const EVENT_DIMENSIONS = ['event_type', 'agent_id', 'error_code', 'tool_name'] as const;

/** The day and the hour: the grains of every level but the totals. */
const DAY_AND_HOUR = GRAINS.slice(0, 2);

/**
 * The built-in rollup's levels, fewest rows first. Only the totals are kept by the quarter hour
 * too (a time series in a zone whose hours start at :30 or :45 reads them): where the traffic of a
 * scope is sparse each level costs about a row per event and grain, so the quarter hour of the
 * others would cost more than the raw rows it spares (under an hour at each edge of a range).
 * @internal
 */
export const EVENT_LEVELS: readonly RollupLevel[] = [
  { id: 2, keeps: [], errorsOnly: false, grains: GRAINS },
  { id: 1, keeps: ['event_type'], errorsOnly: false, grains: DAY_AND_HOUR },
  { id: 4, keeps: ['event_type', 'agent_id'], errorsOnly: false, grains: DAY_AND_HOUR },
  {
    id: 3,
    keeps: ['event_type', 'error_code', 'tool_name'],
    errorsOnly: true,
    grains: DAY_AND_HOUR,
  },
  { id: 0, keeps: EVENT_DIMENSIONS, errorsOnly: false, grains: DAY_AND_HOUR },
];

/** What an aggregate of the built-in rollup reads, beyond its filters. @internal */
export type AggregateKind = 'counts' | 'errors' | 'agents' | 'series';

const READS: Record<AggregateKind, readonly string[]> = {
  counts: ['event_type'],
  errors: ['event_type', 'error_code', 'tool_name'],
  agents: ['event_type', 'agent_id'],
  series: [],
};

/** The level with the fewest rows that answers aggregate `kind` under `filters`. @internal */
export function levelFor(
  levels: readonly RollupLevel[],
  kind: AggregateKind,
  f: ResolvedFilters,
): RollupLevel {
  const errorsOnly = kind === 'errors' || f.errorsOnly;
  const needs = new Set(READS[kind]);
  if (f.types) needs.add('event_type');
  if (f.agentId !== null) needs.add('agent_id');
  if (f.errorCode !== null) needs.add('error_code');
  if (f.toolName !== null) needs.add('tool_name');
  const fits = (level: RollupLevel) => {
    if (level.errorsOnly && !errorsOnly) return false;
    // Telling errors apart takes the type and the code, unless the level holds errors only.
    const also = errorsOnly && !level.errorsOnly ? ['event_type', 'error_code'] : [];
    return [...needs, ...also].every((d) => level.keeps.includes(d));
  };
  return levels.find(fits) ?? (levels.at(-1) as RollupLevel);
}
