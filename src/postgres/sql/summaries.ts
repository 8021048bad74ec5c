import type { TableNames } from './names.js';
import { IS_ERROR } from './queries.js';

/** What a summary row is grouped by: a session, or a business object (aggregate). @internal */
export type SummaryKey = 'session' | 'aggregate';

const KEY_COLUMNS: Record<SummaryKey, string[]> = {
  session: ['session_id AS "sessionId"'],
  aggregate: ['aggregate_type AS "aggregateType"', 'aggregate_id AS "aggregateId"'],
};

/** The agents a summary lists, at most; the count of distinct agents is always exact. */
export const SUMMARY_AGENTS = 20;

/**
 * Sessions (or aggregates) of the rows matching `where`, the most recently active first: first
 * and last `created_at`, events, errors and the agents seen. Rows without the key are left out.
 * @internal
 */
export function summariesSql(
  names: TableNames,
  key: SummaryKey,
  where: string,
  limit: string,
): string {
  const columns = KEY_COLUMNS[key];
  const groupBy = columns.map((c) => c.split(' AS ')[0]);
  return `SELECT ${columns.join(', ')},
  min(created_at) AS "firstAt", max(created_at) AS "lastAt", count(*) AS "events",
  count(*) FILTER (WHERE ${IS_ERROR}) AS "errors",
  count(DISTINCT agent_id) AS "agentCount",
  (array_agg(DISTINCT agent_id ORDER BY agent_id) FILTER (WHERE agent_id IS NOT NULL))[1:${SUMMARY_AGENTS}] AS "agents"
FROM ${names.eventLogs}
WHERE ${where} AND ${groupBy.map((c) => `${c} IS NOT NULL`).join(' AND ')}
GROUP BY ${groupBy.join(', ')}
ORDER BY max(created_at) DESC, ${groupBy.map((c) => `${c} COLLATE "C"`).join(', ')}
LIMIT ${limit}`;
}
