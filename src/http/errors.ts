import { describe, EventrailError } from '../errors.js';

/**
 * A route of the {@link EventsApi} failed unexpectedly: a query failed (the database is down), or
 * `resolveCaller` threw or returned a caller that is not a valid scope. The request was answered
 * with a bare 500 (`{ error: { code: 'INTERNAL' } }`, nothing of the cause); this error, emitted
 * as the API's `error` event and counted in `metrics().errors`, carries the cause. A bad
 * parameter is the client's 400, never this.
 */
export class EventsApiError extends EventrailError {
  /** The request's method, e.g. `GET`. */
  readonly method: string;
  /** The request's path, without its query string, e.g. `/my/projects/p1/events`. */
  readonly path: string;

  constructor(method: string, path: string, cause: unknown) {
    super('API_ROUTE_FAILED', `${method} ${path} failed: ${describe(cause)}`, { cause });
    this.method = method;
    this.path = path;
  }
}
