/**
 * eventrail's read API over HTTP: seed 001's routes as a fetch-style handler built from the
 * query module (and the live stream, as Server-Sent Events), and an adapter for Node's http server.
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
export { toNodeListener } from './node.js';
