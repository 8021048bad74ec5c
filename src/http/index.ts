/**
 * eventrail's read API over HTTP: the event list, session timeline, statistics and live stream
 * (Server-Sent Events) routes as a fetch-style handler built from the query module, and an
 * adapter for Node's http server.
 * @packageDocumentation
 */
export { EventsApi, type EventsApiCloseSummary, type FetchHandler } from './api.js';
export { EventsApiError } from './errors.js';
export type { EventsApiEvents } from './events.js';
export type { EventsApiMetrics, EventsApiResponses } from './metrics.js';
export { type NodeListenerOptions, toNodeListener } from './node.js';
export { type Caller, DEFAULT_EVENTS_API_OPTIONS, type EventsApiOptions } from './options.js';
export type { SseWrites } from './sse/node-writer.js';
