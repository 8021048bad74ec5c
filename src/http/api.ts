import { within } from '../async/wait.js';
import { ListenerSafeEmitter } from '../emitter.js';
import { ValidationError } from '../errors.js';
import {
  type CloseOptions,
  Closer,
  type CloseSummary,
  type Deadline,
  type Lifecycle,
} from '../lifecycle/close.js';
import { Durations } from '../lifecycle/durations.js';
import { type LifecycleLog, lifecycle, logErrors } from '../lifecycle/log.js';
import type { EventQueries } from '../postgres/query/event-queries.js';
import type { QueryScope } from '../postgres/read/scope.js';
import type { EventStream } from '../postgres/stream/event-stream.js';
import type { SubscribeFrom } from '../postgres/stream/options.js';
import type { AnySubscription } from '../postgres/stream/subscription.js';
import { EventsApiError } from './errors.js';
import type { EventsApiEvents } from './events.js';
import type { EventsApiMetrics, EventsApiResponses } from './metrics.js';
import { type Caller, type EventsApiOptions, eventsApiOptions } from './options.js';
import { streamParams } from './params.js';
import { readRoute } from './reads.js';
import { badRequest, json, problem } from './responses.js';
import { callerScope, matchRoute, type Route, segments } from './routes.js';
import type { SseTiming } from './sse/session.js';
import { sseResponse } from './sse.js';
import { matchTimelinePage, timelinePage } from './timeline/routes.js';

/** A fetch-style handler: a standard `Request` in, a `Response` out. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** The result of {@link EventsApi.close}. */
export interface EventsApiCloseSummary extends CloseSummary {
  /**
   * SSE responses the close ended. Their clients reconnect (after the `retry:` hint) with
   * `Last-Event-ID`, to this server's successor, and resume where they were: nothing is lost.
   * `timedOut` is true when some had not finished by the deadline (a client not reading).
   */
  readonly ended: number;
}

/**
 * The read API (events, sessions, statistics, live stream) over HTTP, framework-agnostic: its
 * `fetch` takes a standard `Request` and answers a `Response`. Serve it from Node's http server
 * (`createServer(toNodeListener(api))`), Hono
 * (`app.get('/my/projects/*', (c) => api.fetch(c.req.raw))`), Bun or Deno
 * (`export default { fetch: api.fetch }`), or any fetch-style router; `fetch` is bound, so it may
 * be passed on its own.
 *
 * - `GET {base}/{projectId}/events` — filters `type` (repeatable or comma-separated), `agentId`,
 *   `sessionId`, `aggregateType` + `aggregateId`, `workflowId`, `errorCode`, `toolName`, `traceId`,
 *   `errorsOnly`, `from`, `to`; paging `limit` (≤ the query object's maximum), `offset`,
 *   `cursor`, `order` (`desc` | `asc`). Answers `{ items, nextCursor }`.
 * - `GET {base}/{projectId}/events/{sessionId}` — the same for one session; also served as
 *   `GET {base}/{projectId}/analytics/sessions/{sessionId}/events` (seed 003's path, which also
 *   reaches a session named `stream`).
 * - `GET {base}/{projectId}/events/stream` — Server-Sent Events (needs `stream`): the list
 *   route's filters but `from`, which says where it starts (`start`, `now` (the default), an
 *   ISO 8601 time, a cursor); the `Last-Event-ID` header, a cursor, wins over it. Each event is
 *   `id: <cursor>`, `event: event`, `data: <JSON of one list item>`; `event: caught-up` follows
 *   the last event that existed when it started, `event: fell-behind` says the client is more
 *   than half of `bufferSize` behind (both `id: <cursor>`, `data: {"cursor"}`); `: heartbeat`
 *   comments keep the connection open; `event: end` with `{ code, message }` tells why the
 *   server ended it early (`STREAM_SUBSCRIBER_LAGGED`: reconnect to resume; `CURSOR_EXPIRED`,
 *   with `oldestAt`: the position is older than what retention kept).
 * - `GET {base}/{projectId}/analytics` — `from`, `to`, and `bucket` (`minute` | `hour` | `day`)
 *   with `timeZone` for a time series. Answers
 *   `{ countsByType, agentInteractions, errorStats, timeSeries? }`.
 * - `GET {base}/{projectId}/sessions` and `.../aggregates` — the project's sessions (business
 *   objects) with their first and last time, events, errors and agents, most recently active
 *   first; the events filters and `limit`. Answers `{ items }`.
 * - `GET {base}/{projectId}/timeline[/{sessionId}]` — the timeline page, when `timeline` is set.
 *
 * A project the caller may not read answers 404, exactly as one that does not exist, so that
 * existence is not leaked. Bad parameters answer 400 with `{ error: { code, field, message } }`.
 * An unexpected failure answers a bare 500 and is emitted as an `error` event
 * ({@link EventsApiError}, the failure as its `cause`).
 *
 * Nothing runs until a request comes. `close()` ends the open SSE responses (their clients
 * reconnect elsewhere with `Last-Event-ID`); stream requests then answer 503, the JSON routes
 * keep working.
 *
 * @example
 * ```ts
 * const api = new EventsApi({ queries, stream, resolveCaller: (request) => callerOf(request) });
 * const server = createServer(toNodeListener(api)).listen(8080);
 * process.once('SIGTERM', async () => {
 *   await api.close();
 *   server.close();
 * });
 * ```
 */
export class EventsApi
  extends ListenerSafeEmitter<EventsApiEvents>
  implements Lifecycle<EventsApiMetrics, EventsApiCloseSummary>
{
  /** Answers one request. Bound to the API: pass it on its own (`{ fetch: api.fetch }`). */
  readonly fetch: FetchHandler;
  readonly #queries: EventQueries;
  readonly #stream: EventStream | undefined;
  readonly #resolveCaller: EventsApiOptions['resolveCaller'];
  readonly #base: string;
  readonly #timeline: string | undefined;
  readonly #timing: SseTiming;
  readonly #log: LifecycleLog | undefined;
  readonly #closer: Closer<EventsApiCloseSummary>;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => void this.close();
  /** The subscriptions of the SSE responses open now. */
  readonly #open = new Set<AnySubscription>();
  /** Set by `close()` while it waits for the ended streams to finish. */
  #drained: (() => void) | undefined;
  #requests = 0;
  readonly #responses = { '2xx': 0, '4xx': 0, '5xx': 0 };
  #errors = 0;
  #streamsOpened = 0;
  readonly #durations = new Durations();

  constructor(options: EventsApiOptions) {
    super();
    const o = eventsApiOptions.resolve(options);
    this.#queries = o.queries;
    this.#stream = o.stream;
    this.#resolveCaller = o.resolveCaller;
    this.#base = o.basePath.replace(/\/+$/, '');
    this.#timeline = o.timeline;
    this.#timing = { heartbeatMs: o.heartbeatMs, retryMs: o.retryMs };
    this.#log = o.log;
    logErrors(this, o.log, 'eventrail events API route failed', 'error');
    this.#closer = new Closer(o.closeTimeoutMs);
    this.fetch = (request) => this.#handle(request);
    this.#signal = o.signal;
    if (o.signal?.aborted) void this.close();
    else o.signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Whether `close()` has been called. */
  get closed(): boolean {
    return this.#closer.closed;
  }

  /**
   * Ends every open SSE response cleanly (the server is shutting down) and waits, up to the
   * deadline, for them to finish; later stream requests answer 503, the JSON routes keep working.
   * The same promise on every call. Never rejects, except at once with a {@link ValidationError}
   * for bad options (the API then stays open).
   */
  close(options?: CloseOptions): Promise<EventsApiCloseSummary> {
    return this.#closer.close(options, (deadline) => this.#close(deadline));
  }

  /** `await using part = ...` closes it with the default deadline. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A snapshot of the counters (see {@link EventsApiMetrics}). */
  metrics(): EventsApiMetrics {
    return {
      requests: this.#requests,
      responses: { ...this.#responses },
      errors: this.#errors,
      openStreams: this.#open.size,
      streamsOpened: this.#streamsOpened,
      requestDurationMs: this.#durations.snapshot(),
    };
  }

  async #handle(request: Request): Promise<Response> {
    const started = performance.now();
    this.#requests += 1;
    let response: Response;
    let stream = false;
    try {
      const url = new URL(request.url);
      const parts = segments(url.pathname, this.#base);
      const route = parts && matchRoute(parts);
      stream = route?.kind === 'stream';
      response = await this.#respond(request, url, parts, route);
    } catch (error) {
      response = error instanceof ValidationError ? badRequest(error) : this.#fail(request, error);
    }
    this.#responses[statusClass(response.status)] += 1;
    if (!stream) this.#durations.record(performance.now() - started);
    return response;
  }

  async #respond(
    request: Request,
    url: URL,
    parts: string[] | undefined,
    route: Route | undefined,
  ): Promise<Response> {
    const { method } = request;
    const page = this.#timeline && parts && matchTimelinePage(parts, this.#timeline);
    if (page && (method === 'GET' || method === 'HEAD')) {
      const serve = { segment: this.#timeline, live: this.#stream !== undefined };
      return timelinePage(page, { ...serve, head: method === 'HEAD' });
    }
    if (!route) return problem(404, 'NOT_FOUND', 'no such route');
    if (method !== 'GET' && method !== 'HEAD') {
      return json(
        405,
        { error: { code: 'METHOD_NOT_ALLOWED', message: 'only GET' } },
        { allow: 'GET, HEAD' },
      );
    }
    const caller: Caller | null = await this.#resolveCaller(request);
    if (caller === null) return problem(401, 'UNAUTHENTICATED', 'sign in to read events');
    const scope = await callerScope(caller, route.projectId);
    if (scope === undefined) return problem(404, 'NOT_FOUND', 'no such project');
    if (route.kind === 'stream') return this.#openStream(request, scope, url.searchParams);
    return json(200, await readRoute(this.#queries, route, scope, url.searchParams));
  }

  /** `GET .../events/stream`: an SSE response over a new subscription. */
  #openStream(request: Request, scope: QueryScope, params: URLSearchParams): Response {
    const stream = this.#stream;
    if (stream === undefined) return problem(404, 'NOT_FOUND', 'live streams are not enabled');
    if (this.#closer.closed) return problem(503, 'UNAVAILABLE', 'the server is shutting down');
    const { filters, from } = streamParams(params);
    if (request.method === 'HEAD') return sseResponse(undefined, this.#timing, () => {});
    const lastEventId = request.headers.get('last-event-id') || undefined;
    const start = lastEventId === undefined ? { param: from } : { header: lastEventId };
    const sub = subscribe(stream, scope, filters, start, request.signal);
    this.#open.add(sub);
    this.#streamsOpened += 1;
    return sseResponse(sub, this.#timing, () => this.#streamEnded(sub));
  }

  #streamEnded(sub: AnySubscription): void {
    this.#open.delete(sub);
    if (this.#open.size === 0) this.#drained?.();
  }

  /** An unexpected failure: a bare 500 for the client, the cause for the host. */
  #fail(request: Request, cause: unknown): Response {
    const error = new EventsApiError(request.method, new URL(request.url).pathname, cause);
    this.#errors += 1;
    this.emit('error', error);
    return problem(500, 'INTERNAL', 'the events could not be read');
  }

  async #close(deadline: Deadline): Promise<EventsApiCloseSummary> {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    const ended = this.#open.size;
    const drained =
      ended === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            this.#drained = resolve;
          });
    // Each response writes what it has, then ends; its client reconnects with Last-Event-ID.
    for (const sub of [...this.#open]) void sub.return();
    const timedOut = !(await within(drained, { signal: deadline.signal })).done;
    lifecycle(
      this.#log,
      timedOut ? 'warn' : 'info',
      { timedOut, ended },
      'eventrail events API closed',
    );
    return { timedOut, ended };
  }
}

/** The fetch function of an {@link EventsApi}, or `value` itself when a function. @internal */
export function fetchHandlerOf(value: EventsApi | FetchHandler): FetchHandler {
  if (typeof value === 'function') return value;
  if (typeof (value as Partial<EventsApi> | null)?.fetch === 'function') return value.fetch;
  throw new ValidationError('handler', 'VALIDATION_TYPE', 'must be an EventsApi or a function');
}

function statusClass(status: number): keyof EventsApiResponses {
  if (status >= 500) return '5xx';
  return status >= 400 ? '4xx' : '2xx';
}

/**
 * Subscribes from the `Last-Event-ID` header, else the `from` parameter, with markers; a refused
 * start is named by the header or parameter it came in.
 */
function subscribe(
  stream: EventStream,
  scope: QueryScope,
  filters: ReturnType<typeof streamParams>['filters'],
  from: { readonly header: string } | { readonly param: SubscribeFrom | undefined },
  signal: AbortSignal,
): AnySubscription {
  const start = 'header' in from ? from.header : from.param;
  try {
    return stream.subscribe(scope, filters, { from: start ?? 'now', markers: true, signal });
  } catch (error) {
    if (error instanceof ValidationError && error.field === 'options.from') {
      const field = 'header' in from ? 'Last-Event-ID' : 'from';
      throw new ValidationError(field, error.code, error.message.replace(/^[^:]*: /, ''));
    }
    throw error;
  }
}
