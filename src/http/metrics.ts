import type { DurationSummary } from '../lifecycle/durations.js';

/** Responses of the {@link EventsApi} by status class. */
export interface EventsApiResponses {
  /** 200: a JSON read, a page, or the start of an SSE stream. */
  readonly '2xx': number;
  /** 400 (a bad parameter), 401, 404, 405. */
  readonly '4xx': number;
  /** 500 (a route failure, also counted in `errors`) and 503 (a stream asked for after `close()`). */
  readonly '5xx': number;
}

/** A snapshot of an {@link EventsApi}, as `metrics()` returns it. */
export interface EventsApiMetrics {
  /** Requests received; those not yet in `responses` are being answered. */
  readonly requests: number;
  /** Responses made, by status class. */
  readonly responses: EventsApiResponses;
  /** Routes that failed unexpectedly (answered 500, each an `error` event). */
  readonly errors: number;
  /** SSE responses open now. */
  readonly openStreams: number;
  /** SSE responses opened since the API was made. */
  readonly streamsOpened: number;
  /**
   * Time from a request to its response, in milliseconds, of every route but the SSE stream
   * (whose response lasts as long as the client stays): the JSON body is made by then.
   */
  readonly requestDurationMs: DurationSummary;
}
