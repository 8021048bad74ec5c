import { type QueryScope, resolveScope } from '../postgres/read/scope.js';
import type { Caller } from './options.js';
import { isSummaryRoute, type SummaryKind } from './timeline/summaries.js';

/** A data route of the API, from the path after the base path. @internal */
export type Route =
  | { kind: 'events' | 'analytics' | 'stream' | SummaryKind; projectId: string }
  | { kind: 'session'; projectId: string; sessionId: string };

/** The decoded path segments after the base path. @internal */
export function segments(pathname: string, base: string): string[] | undefined {
  if (!pathname.startsWith(`${base}/`)) return undefined;
  try {
    return pathname
      .slice(base.length + 1)
      .split('/')
      .map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** The data route `parts` name, if any. @internal */
export function matchRoute(parts: string[]): Route | undefined {
  const [projectId, resource, sessionId, ...rest] = parts;
  if (!projectId) return undefined;
  // seed 003's path of a session's events: analytics/sessions/{sessionId}/events
  if (resource === 'analytics' && sessionId === 'sessions' && rest.length === 2) {
    const [id, events] = rest;
    return id && events === 'events' ? { kind: 'session', projectId, sessionId: id } : undefined;
  }
  if (rest.length > 0) return undefined;
  if (isSummaryRoute(resource) && sessionId === undefined) return { kind: resource, projectId };
  if (resource === 'analytics' && sessionId === undefined) return { kind: 'analytics', projectId };
  if (resource !== 'events') return undefined;
  if (sessionId === undefined) return { kind: 'events', projectId };
  if (sessionId === 'stream') return { kind: 'stream', projectId };
  return sessionId ? { kind: 'session', projectId, sessionId } : undefined;
}

/**
 * The scope of `caller` in `projectId`, or undefined when the caller may not read the project. A
 * caller the host resolved wrongly is the host's error (a 500 and an `error` event), not the
 * client's 400. @internal
 */
export async function callerScope(
  caller: Caller,
  projectId: string,
): Promise<QueryScope | undefined> {
  const tenant = caller.tenantId === undefined ? {} : { tenantId: caller.tenantId };
  try {
    resolveScope({ userId: caller.userId, ...tenant });
  } catch (error) {
    throw new Error('resolveCaller returned a caller that is not a valid scope', { cause: error });
  }
  const { projects } = caller;
  const may =
    typeof projects === 'function'
      ? (await projects(projectId)) === true
      : projects.includes(projectId);
  return may ? { userId: caller.userId, projectId, ...tenant } : undefined;
}
