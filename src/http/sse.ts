import { EventrailError } from '../errors.js';
import type { Subscription } from '../postgres/stream/subscription.js';

/** How an SSE response paces itself. @internal */
export interface SseTiming {
  /** Milliseconds between heartbeat comments while no event is sent. */
  readonly heartbeatMs: number;
  /** The `retry:` hint: milliseconds a client waits before reconnecting. */
  readonly retryMs: number;
}

const encoder = new TextEncoder();
/** Frames are sent in chunks of up to this many characters: one write per chunk, not per event. */
const CHUNK_CHARS = 64 * 1024;
/** Each event's JSON, made once however many subscribers send it. */
const jsonOf = new WeakMap<object, string>();

function eventJson(event: object): string {
  let json = jsonOf.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    jsonOf.set(event, json);
  }
  return json;
}

/**
 * A `text/event-stream` response over one subscription. Each event is sent as
 * `id: <cursor>`, `event: event`, `data: <the event as JSON, as one item of the list route>`.
 * Events are pulled from the subscription only as fast as the client takes them, so a slow
 * client fills the subscription's bounded buffer and is ended (an `event: end` with the error's
 * `code`; the client reconnects with `Last-Event-ID` and resumes), never this process's memory.
 * Cancelling the body (the client went away) ends the subscription. Without a subscription
 * (a HEAD request), the headers alone. @internal
 */
export function sseResponse(
  sub: Subscription | undefined,
  timing: SseTiming,
  onEnd: () => void,
): Response {
  let heartbeat: NodeJS.Timeout | undefined;
  let closed = false;
  const stop = () => {
    closed = true;
    clearInterval(heartbeat);
    sub?.end();
    onEnd();
  };
  const finish = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (closed) return;
    stop();
    controller.close();
  };
  const body =
    sub &&
    new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode(`retry: ${timing.retryMs}\n: connected\n\n`));
        heartbeat = setInterval(() => {
          if (!closed) controller.enqueue(encoder.encode(': heartbeat\n\n'));
        }, timing.heartbeatMs);
        heartbeat.unref();
      },
      async pull(controller) {
        let text = '';
        try {
          // The first event waits; those already buffered behind it join the same chunk.
          do {
            const next = await sub.next();
            if (next.done) {
              if (text) controller.enqueue(encoder.encode(text));
              return finish(controller);
            }
            const { event, cursor } = next.value;
            text += `id: ${cursor}\nevent: event\ndata: ${eventJson(event)}\n\n`;
          } while (sub.buffered > 0 && text.length < CHUNK_CHARS);
          controller.enqueue(encoder.encode(text));
        } catch (error) {
          if (text && !closed) controller.enqueue(encoder.encode(text));
          const code = error instanceof EventrailError ? error.code : 'INTERNAL';
          const message = error instanceof EventrailError ? error.message : 'the stream failed';
          if (!closed) {
            controller.enqueue(
              encoder.encode(`event: end\ndata: ${JSON.stringify({ code, message })}\n\n`),
            );
          }
          finish(controller);
        }
      },
      cancel: stop,
    });
  return new Response(body ?? null, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
}
