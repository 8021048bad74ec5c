import { ValidationError } from '../errors.js';
import { closeTimeoutSpec } from '../lifecycle/close.js';
import { type LifecycleLog, logSpec } from '../lifecycle/log.js';
import { defineOptions } from '../options/schema.js';
import { abortSignal, custom, fn, integer, text } from '../options/spec.js';
import type { EventQueries } from '../postgres/query/event-queries.js';
import type { EventStream } from '../postgres/stream/event-stream.js';
import { timelineSpec } from './timeline/routes.js';

/** Who is calling, as the host knows it from the request (a session, a token). */
export interface Caller {
  /** The user whose events the caller reads: every read is scoped to it. */
  readonly userId: string;
  /** Narrows every read to one tenant, when the host is multi-tenant. */
  readonly tenantId?: string;
  /** The projects the caller may read: a list, or a check (may be async). */
  readonly projects: readonly string[] | ((projectId: string) => boolean | Promise<boolean>);
}

/** Options of {@link EventsApi}. */
export interface EventsApiOptions {
  /** The query object the routes read through. */
  readonly queries: EventQueries;
  /** Resolves the caller from the request; `null` (not signed in) answers 401. */
  readonly resolveCaller: (request: Request) => Caller | null | Promise<Caller | null>;
  /** Path the routes are served under, starting with `/`. @default '/my/projects' */
  readonly basePath?: string;
  /**
   * The live stream `GET {base}/{projectId}/events/stream` reads through. Without it that route
   * answers 404. @default none
   */
  readonly stream?: EventStream;
  /** Milliseconds between SSE heartbeat comments (`: heartbeat`). @default 15000 */
  readonly heartbeatMs?: number;
  /** The SSE `retry:` hint: milliseconds a client waits before reconnecting. @default 3000 */
  readonly retryMs?: number;
  /** Closes the API when aborted, as `close()` does. @default none */
  readonly signal?: AbortSignal;
  /**
   * Serves the timeline page at `{base}/{projectId}/timeline[/{sessionId}]` (`true`), or under
   * the segment given (`'view'`). Off unless asked for: it adds an HTML page to an API that may
   * be exposed only to programs, and the page's requests carry the browser's cookies, so
   * `resolveCaller` must accept those. @default false
   */
  readonly timeline?: boolean | string;
  /**
   * Deadline of `close()` when the call gives none, in milliseconds: how long it waits for the
   * SSE responses it ended to finish. @default 10000
   */
  readonly closeTimeoutMs?: number;
  /** Lifecycle messages (closed, a route failed), e.g. a pino logger. @default none (silent) */
  readonly log?: LifecycleLog;
}

/** {@link EventsApiOptions} as a table of specs. @internal */
export const eventsApiOptions = defineOptions<EventsApiOptions>()('EventsApiOptions', {
  queries: custom('an EventQueries', (value, field) => {
    if (typeof (value as Partial<EventQueries> | null)?.listEvents !== 'function') {
      throw new ValidationError(field, 'VALIDATION_TYPE', 'must be an EventQueries');
    }
    return value as EventQueries;
  }),
  resolveCaller: fn<EventsApiOptions['resolveCaller']>(),
  basePath: text({ pattern: /^\/[^?#]*$/, accepts: 'a path starting with /' }).default(
    '/my/projects',
  ),
  stream: custom('an EventStream', (value, field) => {
    if (typeof (value as Partial<EventStream> | null)?.subscribe !== 'function') {
      throw new ValidationError(field, 'VALIDATION_TYPE', 'must be an EventStream');
    }
    return value as EventStream;
  }).optional(),
  heartbeatMs: integer({ min: 1 }).default(15_000),
  retryMs: integer({ min: 0 }).default(3000),
  signal: abortSignal().optional(),
  timeline: timelineSpec,
  closeTimeoutMs: closeTimeoutSpec(),
  log: logSpec(),
});

/** The defaults of {@link EventsApiOptions}. */
export const DEFAULT_EVENTS_API_OPTIONS = Object.freeze(eventsApiOptions.defaults) as Readonly<
  Required<Pick<EventsApiOptions, 'basePath' | 'heartbeatMs' | 'retryMs' | 'closeTimeoutMs'>>
>;
