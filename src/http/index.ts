/**
 * eventrail's read API over HTTP: the event list, session timeline, statistics and live stream
 * (Server-Sent Events) routes as a fetch-style handler built from the query module, and an
 * adapter for Node's http server.
 * @packageDocumentation
 */
export {
  type Caller,
  createEventsApi,
  DEFAULT_EVENTS_API_OPTIONS,
  type EventsApi,
  type EventsApiOptions,
  type FetchHandler,
} from './api.js';
export { type NodeListenerOptions, toNodeListener } from './node.js';
export type { SseWrites } from './sse/node-writer.js';
