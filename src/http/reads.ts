import type { EventQueries } from '../postgres/query/event-queries.js';
import type { QueryScope } from '../postgres/read/scope.js';
import { analyticsParams, listParams } from './params.js';
import type { Route } from './routes.js';
import { readSummaries } from './timeline/summaries.js';

/**
 * The JSON body of a read route (every route but the stream) in `scope`. Throws a
 * `ValidationError` for a bad parameter (the client's 400), anything else on failure. @internal
 */
export async function readRoute(
  queries: EventQueries,
  route: Exclude<Route, { kind: 'stream' }>,
  scope: QueryScope,
  params: URLSearchParams,
): Promise<unknown> {
  if (route.kind === 'sessions' || route.kind === 'aggregates') {
    return readSummaries(route.kind, queries, scope, params);
  }
  if (route.kind === 'analytics') {
    const { filters, bucket, timeZone } = analyticsParams(params);
    const [countsByType, agentInteractions, errorStats, timeSeries] = await Promise.all([
      queries.countsByType(scope, filters),
      queries.agentInteractions(scope, filters),
      queries.errorStats(scope, filters),
      bucket === undefined
        ? undefined
        : queries.timeSeries(
            scope,
            filters,
            timeZone === undefined ? { bucket } : { bucket, timeZone },
          ),
    ]);
    return { countsByType, agentInteractions, errorStats, timeSeries };
  }
  if (route.kind === 'session') {
    const { filters, page } = listParams(params, 'sessionId');
    return queries.sessionEvents(scope, route.sessionId, filters, page);
  }
  const { filters, page } = listParams(params);
  return queries.listEvents(scope, filters, page);
}
