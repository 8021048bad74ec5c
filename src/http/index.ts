/**
 * eventrail's read API over HTTP: the event list, session timeline and statistics routes as a
 * fetch-style handler built from the query module, and an adapter for Node's http server.
 * @packageDocumentation
 */
export { type Caller, createEventsApi, type EventsApiOptions, type FetchHandler } from './api.js';
export { toNodeListener } from './node.js';
