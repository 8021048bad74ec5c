/**
 * The response of the live stream route: Server-Sent Events over one subscription. The framing,
 * the session that paces it and its writers are in `sse/`: a fetch-style host reads the web body,
 * and `toNodeListener` writes the same session to Node's response itself.
 */
import type { AnySubscription } from '../postgres/stream/subscription.js';
import { SseSession, type SseTiming } from './sse/session.js';
import { sseBody } from './sse/web-body.js';

/** The session behind a response this module made, for a server that writes it itself. */
const sessions = new WeakMap<Response, SseSession>();

/** The {@link SseSession} behind `response`, when it is an SSE response of this module. @internal */
export function sseSessionOf(response: Response): SseSession | undefined {
  return sessions.get(response);
}

/**
 * A `text/event-stream` response over one subscription (see {@link SseSession}). Its body starts
 * only when first read, and cancelling it (the client went away) ends the subscription. Without
 * a subscription (a HEAD request), the headers alone. @internal
 */
export function sseResponse(
  sub: AnySubscription | undefined,
  timing: SseTiming,
  onEnd: () => void,
): Response {
  const session = sub && new SseSession(sub, timing, onEnd);
  const response = new Response(session ? sseBody(session) : null, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    },
  });
  if (session) sessions.set(response, session);
  return response;
}
