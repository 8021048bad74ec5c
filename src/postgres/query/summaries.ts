import { knownFields } from '../read/fields.js';
import { resolvePage } from './page.js';

/** What every summary of a group of events says, whatever the group is keyed by. */
export interface EventGroupStats {
  /** `createdAt` of the group's first event (within the filters). */
  readonly firstAt: Date;
  /** `createdAt` of its last event: summaries come most recently active first. */
  readonly lastAt: Date;
  /** Its events. */
  readonly events: number;
  /** Its errors (type `ERROR` in any case, or an error code). */
  readonly errors: number;
  /** How many distinct agents took part. */
  readonly agentCount: number;
  /** The agents that took part, in byte order, at most 20 (see `agentCount`). */
  readonly agents: string[];
}

/** One session of a scope, as {@link EventQueries.sessions} lists it. */
export interface SessionSummary extends EventGroupStats {
  /** The session. */
  readonly sessionId: string;
}

/** One business object (a BOM, a chat) of a scope, as {@link EventQueries.aggregates} lists it. */
export interface AggregateSummary extends EventGroupStats {
  /** Kind of the business object. */
  readonly aggregateType: string;
  /** Its id. */
  readonly aggregateId: string;
}

/** How many summaries to return. */
export interface SummaryPageOptions {
  /** Summaries to return, 1 to the query object's `maxLimit`. @default 50 */
  readonly limit?: number;
}

const KEYS = new Set(['limit']);

/** The checked limit of a summary read. @internal */
export function resolveSummaryLimit(
  page: unknown,
  limits: { readonly defaultLimit: number; readonly maxLimit: number },
): number {
  return resolvePage(
    knownFields(page, 'page', KEYS, 'a summary page option', 'summary page options'),
    limits,
  ).limit;
}

type Count = number | string | bigint;

/** A summary row with its counts as numbers and its times as Dates. @internal */
export function toSummary<K>(
  row: K & {
    firstAt: Date | string;
    lastAt: Date | string;
    events: Count;
    errors: Count;
    agentCount: Count;
    agents: string[] | null;
  },
): K & EventGroupStats {
  return {
    ...row,
    firstAt: new Date(row.firstAt),
    lastAt: new Date(row.lastAt),
    events: Number(row.events),
    errors: Number(row.errors),
    agentCount: Number(row.agentCount),
    agents: row.agents ?? [],
  };
}
