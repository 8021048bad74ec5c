import type { EventRecord } from '../../event/types.js';
import type { ResolvedFilters } from '../read/filters.js';
import type { ResolvedScope } from '../read/scope.js';

/**
 * The scope and filters as a test on a record, for live events that the shared reader read for
 * every subscriber at once. It means exactly what `eventConditions` means in SQL (the history
 * read): a test for one that the other lacks would stream different events live than on resume.
 * @internal
 */
export function matcher(scope: ResolvedScope, f: ResolvedFilters): (r: EventRecord) => boolean {
  const equal: [keyof EventRecord, string][] = [];
  const add = (key: keyof EventRecord, value: string | null) => {
    if (value !== null) equal.push([key, value]);
  };
  add('userId', scope.userId);
  add('projectId', scope.projectId);
  add('tenantId', scope.tenantId);
  add('agentId', f.agentId);
  add('sessionId', f.sessionId);
  add('aggregateType', f.aggregateType);
  add('aggregateId', f.aggregateId);
  add('workflowId', f.workflowId);
  add('errorCode', f.errorCode);
  add('toolName', f.toolName);
  add('traceId', f.traceId);
  const types = f.types === null ? null : new Set(f.types);
  const from = f.from?.getTime() ?? null;
  const to = f.to?.getTime() ?? null;
  return (r) => {
    for (const [key, value] of equal) if (r[key] !== value) return false;
    if (types !== null && !types.has(r.type)) return false;
    if (f.errorsOnly && r.errorCode === null && r.type.toUpperCase() !== 'ERROR') return false;
    const at = r.createdAt.getTime();
    if (from !== null && at < from) return false;
    return to === null || at < to;
  };
}
