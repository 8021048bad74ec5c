/**
 * The text of a `text/event-stream`: each event as `id: <cursor>`, `event: event`, `data: <the
 * event as JSON, as one item of the list route>`; each marker as `id: <cursor>`,
 * `event: caught-up` or `event: fell-behind`, `data: {"cursor"}`; `: heartbeat` comments; an
 * `event: end` frame that says why the server ended the stream early.
 */
import { CursorExpiredError, EventrailError } from '../../errors.js';
import type { EventRecord } from '../../event/types.js';
import type { StreamMarker } from '../../postgres/stream/markers.js';
import type { StreamEvent } from '../../postgres/stream/subscription.js';

/** The comment sent while no event is, to keep the connection open. @internal */
export const HEARTBEAT = ': heartbeat\n\n';

/** Each event's JSON, made once however many subscribers and scopes send it. */
const jsonOf = new WeakMap<EventRecord, string>();
/**
 * Each event's frame, made once for all the subscribers of one scope and filters: they take the
 * same `StreamEvent` object (its cursor is theirs).
 */
const frameOf = new WeakMap<StreamEvent, string>();

/** The opening of a stream: the reconnect hint, and a comment. @internal */
export function openingFrame(retryMs: number): string {
  return `retry: ${retryMs}\n: connected\n\n`;
}

/** The frame of one event. @internal */
export function eventFrame(streamed: StreamEvent): string {
  let frame = frameOf.get(streamed);
  if (frame !== undefined) return frame;
  const { event, cursor } = streamed;
  let json = jsonOf.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    jsonOf.set(event, json);
  }
  frame = `id: ${cursor}\nevent: event\ndata: ${json}\n\n`;
  frameOf.set(streamed, frame);
  return frame;
}

/**
 * The frame of a marker. Its `id` moves the client's `Last-Event-ID` to where the marker says it
 * stands, and its data is never empty (a browser drops an event without data). @internal
 */
export function markerFrame(marker: StreamMarker): string {
  const { kind, cursor } = marker;
  return `id: ${cursor}\nevent: ${kind}\ndata: ${JSON.stringify({ cursor })}\n\n`;
}

/** An event or a marker of a subscription with markers. @internal */
export function itemFrame(item: StreamEvent | StreamMarker): string {
  return 'kind' in item ? markerFrame(item) : eventFrame(item);
}

/**
 * The closing frame of a stream the server ended early, with the error's `code` and message
 * (`STREAM_SUBSCRIBER_LAGGED`: reconnect to resume; `CURSOR_EXPIRED`, with `oldestAt`: start
 * again at or after it); an error that is not eventrail's is told as `INTERNAL`, its message
 * kept back. @internal
 */
export function endFrame(error: unknown): string {
  const known = error instanceof EventrailError;
  const code = known ? error.code : 'INTERNAL';
  const message = known ? error.message : 'the stream failed';
  const data =
    error instanceof CursorExpiredError
      ? { code, message, oldestAt: error.oldestAt.toISOString() }
      : { code, message };
  return `event: end\ndata: ${JSON.stringify(data)}\n\n`;
}
