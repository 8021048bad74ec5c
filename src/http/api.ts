import { ValidationError } from '../errors.js';
import { numberOption } from '../options/validate.js';
import type { EventQueries } from '../postgres/query/event-queries.js';
import { type QueryScope, resolveScope } from '../postgres/read/scope.js';
import type { EventStream } from '../postgres/stream/event-stream.js';
import type { Subscription } from '../postgres/stream/subscription.js';
import { analyticsParams, listParams, streamParams } from './params.js';
import { badRequest, json, problem } from './responses.js';
import { sseResponse } from './sse.js';
import { matchTimelinePage, timelinePage, timelineSegment } from './timeline/routes.js';
import { isSummaryRoute, readSummaries, type SummaryKind } from './timeline/summaries.js';

/** Who is calling, as the host knows it from the request (a session, a token). */
export interface Caller {
  /** The user whose events the caller reads: every read is scoped to it. */
  readonly userId: string;
  /** Narrows every read to one tenant, when the host is multi-tenant. */
  readonly tenantId?: string;
  /** The projects the caller may read: a list, or a check (may be async). */
  readonly projects: readonly string[] | ((projectId: string) => boolean | Promise<boolean>);
}

/** Options of {@link createEventsApi}. */
export interface EventsApiOptions {
  /** The query object the routes read through. */
  readonly queries: EventQueries;
  /** Resolves the caller from the request; `null` (not signed in) answers 401. */
  readonly resolveCaller: (request: Request) => Caller | null | Promise<Caller | null>;
  /** Path the routes are served under. @default '/my/projects' */
  readonly basePath?: string;
  /** Told of every unexpected error (answered as a bare 500). @default none */
  readonly onError?: (error: unknown, request: Request) => void;
  /**
   * The live stream `GET {base}/{projectId}/events/stream` reads through. Without it that route
   * answers 404. @default none
   */
  readonly stream?: EventStream;
  /** Milliseconds between SSE heartbeat comments (`: heartbeat`). @default 15000 */
  readonly heartbeatMs?: number;
  /** The SSE `retry:` hint: milliseconds a client waits before reconnecting. @default 3000 */
  readonly retryMs?: number;
  /** Ends every open SSE response when aborted, as `close()` does. @default none */
  readonly signal?: AbortSignal;
  /**
   * Serves the timeline page at `{base}/{projectId}/timeline[/{sessionId}]` (`true`), or under
   * the segment given (`'view'`). Off unless asked for: it adds an HTML page to an API that may
   * be exposed only to programs, and the page's requests carry the browser's cookies, so
   * `resolveCaller` must accept those. @default false
   */
  readonly timeline?: boolean | string;
}

/** The defaults of {@link EventsApiOptions}. */
export const DEFAULT_EVENTS_API_OPTIONS = Object.freeze({
  basePath: '/my/projects',
  heartbeatMs: 15_000,
  retryMs: 3000,
});

/** A fetch-style handler: a standard `Request` in, a `Response` out. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** The handler of {@link createEventsApi}, which can also end its open SSE responses. */
export interface EventsApi extends FetchHandler {
  /**
   * Ends every open SSE response cleanly (the server is shutting down); later stream requests
   * answer 503. The JSON routes keep working. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * The read API (events, sessions, statistics) as a framework-agnostic fetch handler (Node's http server via
 * `toNodeListener`, Hono, Bun, Deno, any fetch-style router):
 *
 * - `GET {base}/{projectId}/events` — filters `type` (repeatable or comma-separated), `agentId`,
 *   `sessionId`, `aggregateType` + `aggregateId`, `workflowId`, `errorCode`, `toolName`, `traceId`,
 *   `errorsOnly`, `from`, `to`; paging `limit` (≤ the query object's maximum), `offset`,
 *   `cursor`, `order` (`desc` | `asc`). Answers `{ items, nextCursor }`.
 * - `GET {base}/{projectId}/events/{sessionId}` — the same for one session; also served as
 *   `GET {base}/{projectId}/analytics/sessions/{sessionId}/events` (seed 003's path, which also
 *   reaches a session named `stream`).
 * - `GET {base}/{projectId}/events/stream` — Server-Sent Events (needs `stream`): the list
 *   route's filters, then `after` or the `Last-Event-ID` header (which wins) to start after a
 *   cursor. Each event is `id: <cursor>`, `event: event`, `data: <JSON of one list item>`;
 *   `: heartbeat` comments keep the connection open; `event: end` with `{ code, message }` tells
 *   why the server ended it early (`STREAM_SUBSCRIBER_LAGGED`: reconnect to resume).
 * - `GET {base}/{projectId}/analytics` — `from`, `to`, and `bucket` (`minute` | `hour` | `day`)
 *   with `timeZone` for a time series. Answers `{ countsByType, agentInteractions, errorStats,
 *   timeSeries? }`.
 *
 * - `GET {base}/{projectId}/sessions` and `.../aggregates` — the project's sessions (business
 *   objects) with their first and last time, events, errors and agents, most recently active
 *   first; the events filters and `limit`. Answers `{ items }`.
 * - `GET {base}/{projectId}/timeline[/{sessionId}]` — the timeline page, when `timeline` is set.
 *
 * A project the caller may not read answers 404, exactly as one that does not exist, so that
 * existence is not leaked. Bad parameters answer 400 with `{ error: { code, field, message } }`.
 */
export function createEventsApi(options: EventsApiOptions): EventsApi {
  const base = (options.basePath ?? DEFAULT_EVENTS_API_OPTIONS.basePath).replace(/\/+$/, '');
  const { queries, stream } = options;
  const timeline = timelineSegment(options.timeline);
  const timing = {
    heartbeatMs: numberOption(
      options.heartbeatMs,
      'heartbeatMs',
      DEFAULT_EVENTS_API_OPTIONS.heartbeatMs,
      { min: 1 },
    ),
    retryMs: numberOption(options.retryMs, 'retryMs', DEFAULT_EVENTS_API_OPTIONS.retryMs, {
      min: 0,
    }),
  };
  const open = new Set<Subscription>();
  let closed = false;
  const close = async () => {
    closed = true;
    for (const sub of open) sub.end();
    open.clear();
  };
  options.signal?.addEventListener('abort', () => void close(), { once: true });
  if (options.signal?.aborted) void close();

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const parts = segments(url.pathname, base);
    const page = timeline && parts && matchTimelinePage(parts, timeline);
    if (page && (request.method === 'GET' || request.method === 'HEAD')) {
      const head = request.method === 'HEAD';
      return timelinePage(page, { segment: timeline, live: stream !== undefined, head });
    }
    const route = parts && match(parts);
    if (!route) return problem(404, 'NOT_FOUND', 'no such route');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return json(
        405,
        { error: { code: 'METHOD_NOT_ALLOWED', message: 'only GET' } },
        { allow: 'GET, HEAD' },
      );
    }
    try {
      const caller = await options.resolveCaller(request);
      if (caller === null) return problem(401, 'UNAUTHENTICATED', 'sign in to read events');
      checkCaller(caller);
      if (!(await mayRead(caller, route.projectId)))
        return problem(404, 'NOT_FOUND', 'no such project');
      const scope: QueryScope = {
        userId: caller.userId,
        projectId: route.projectId,
        ...(caller.tenantId === undefined ? {} : { tenantId: caller.tenantId }),
      };
      const params = url.searchParams;
      if (route.kind === 'sessions' || route.kind === 'aggregates') {
        return json(200, await readSummaries(route.kind, queries, scope, params));
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
        return json(200, { countsByType, agentInteractions, errorStats, timeSeries });
      }
      if (route.kind === 'stream') {
        if (stream === undefined) return problem(404, 'NOT_FOUND', 'live streams are not enabled');
        if (closed) return problem(503, 'UNAVAILABLE', 'the server is shutting down');
        const { filters, after } = streamParams(params);
        const lastEventId = request.headers.get('last-event-id') ?? after;
        if (request.method === 'HEAD') return sseResponse(undefined, timing, () => {});
        const sub = subscribe(stream, scope, filters, lastEventId, request.signal);
        open.add(sub);
        return sseResponse(sub, timing, () => open.delete(sub));
      }
      if (route.kind === 'session') {
        const { filters, page } = listParams(params, 'sessionId');
        return json(200, await queries.sessionEvents(scope, route.sessionId, filters, page));
      }
      const { filters, page } = listParams(params);
      return json(200, await queries.listEvents(scope, filters, page));
    } catch (error) {
      if (error instanceof ValidationError) return badRequest(error);
      options.onError?.(error, request);
      return problem(500, 'INTERNAL', 'the events could not be read');
    }
  };
  return Object.assign(handler, { close });
}

/** Subscribes, naming a refused cursor by the header or parameter it came in. */
function subscribe(
  stream: EventStream,
  scope: QueryScope,
  filters: ReturnType<typeof streamParams>['filters'],
  after: string | null | undefined,
  signal: AbortSignal,
): Subscription {
  try {
    return stream.subscribe(scope, filters, after ? { after, signal } : { signal });
  } catch (error) {
    if (error instanceof ValidationError && error.field === 'options.after') {
      throw new ValidationError('Last-Event-ID', error.code, error.message.replace(/^[^:]*: /, ''));
    }
    throw error;
  }
}

/** A caller the host resolved wrongly is the host's error (500 through onError), not the client's 400. */
function checkCaller(caller: Caller): void {
  try {
    resolveScope(
      caller.tenantId === undefined
        ? { userId: caller.userId }
        : { userId: caller.userId, tenantId: caller.tenantId },
    );
  } catch (error) {
    throw new Error('resolveCaller returned a caller that is not a valid scope', { cause: error });
  }
}

type Route =
  | { kind: 'events' | 'analytics' | 'stream' | SummaryKind; projectId: string }
  | { kind: 'session'; projectId: string; sessionId: string };

/** The decoded path segments after the base path. */
function segments(pathname: string, base: string): string[] | undefined {
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

function match(parts: string[]): Route | undefined {
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

async function mayRead(caller: Caller, projectId: string): Promise<boolean> {
  const { projects } = caller;
  return typeof projects === 'function'
    ? (await projects(projectId)) === true
    : projects.includes(projectId);
}
