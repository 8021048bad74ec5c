import { ValidationError } from '../../errors.js';
import type { EventQueries } from '../../postgres/query/event-queries.js';
import type { QueryScope } from '../../postgres/read/scope.js';
import { listParams } from '../params.js';

/** The summary routes: `{projectId}/sessions` and `{projectId}/aggregates`. @internal */
export type SummaryKind = 'sessions' | 'aggregates';

/** Whether `resource` (the segment after the project) is a summary route. @internal */
export function isSummaryRoute(resource: string | undefined): resource is SummaryKind {
  return resource === 'sessions' || resource === 'aggregates';
}

/**
 * `GET .../sessions` and `GET .../aggregates`: the list route's filters and `limit`, no paging
 * (a summary list is read again, not paged). Answers `{ items }`. @internal
 */
export async function readSummaries(
  kind: SummaryKind,
  queries: EventQueries,
  scope: QueryScope,
  params: URLSearchParams,
): Promise<{ items: unknown[] }> {
  for (const name of ['offset', 'cursor', 'order']) {
    if (params.has(name)) {
      throw new ValidationError(name, 'VALIDATION_RANGE', 'is not a parameter of this route');
    }
  }
  const { filters, page } = listParams(params);
  const items =
    kind === 'sessions'
      ? await queries.sessions(scope, filters, page)
      : await queries.aggregates(scope, filters, page);
  return { items };
}
