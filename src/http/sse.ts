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

const frame = (cursor: string, event: object) =>
  `id: ${cursor}\nevent: event\ndata: ${eventJson(event)}\n\n`;

/**
 * The text of a `text/event-stream` over one subscription, made as fast as the client takes it.
 * Each event is sent as `id: <cursor>`, `event: event`, `data: <the event as JSON, as one item of
 * the list route>`. A slow client leaves events in the subscription's bounded buffer, which ends
 * it when full (an `event: end` with the error's `code`; the client reconnects with
 * `Last-Event-ID` and resumes), never this process's memory. @internal
 */
export class SseText {
  readonly #sub: Subscription;
  readonly #timing: SseTiming;
  readonly #onEnd: () => void;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(sub: Subscription, timing: SseTiming, onEnd: () => void) {
    this.#sub = sub;
    this.#timing = timing;
    this.#onEnd = onEnd;
  }

  /** The opening text; from now on a heartbeat comment goes to `push` every `heartbeatMs`. */
  open(push: (text: string) => void): string {
    this.#heartbeat = setInterval(() => {
      if (!this.#closed) push(': heartbeat\n\n');
    }, this.#timing.heartbeatMs);
    this.#heartbeat.unref();
    return `retry: ${this.#timing.retryMs}\n: connected\n\n`;
  }

  /**
   * The next text to send: the next event (waited for) and those already buffered behind it,
   * or the closing frame; undefined once the stream has finished.
   */
  async next(): Promise<string | undefined> {
    if (this.#closed) return undefined;
    let text = '';
    try {
      const first = await this.#sub.next();
      if (first.done) {
        this.stop();
        return text || undefined;
      }
      text = frame(first.value.cursor, first.value.event);
      for (let e = this.#sub.take(); e !== undefined; e = this.#sub.take()) {
        text += frame(e.cursor, e.event);
        if (text.length >= CHUNK_CHARS) break;
      }
      return text;
    } catch (error) {
      if (this.#closed) return text || undefined;
      this.stop();
      const code = error instanceof EventrailError ? error.code : 'INTERNAL';
      const message = error instanceof EventrailError ? error.message : 'the stream failed';
      return `${text}event: end\ndata: ${JSON.stringify({ code, message })}\n\n`;
    }
  }

  /** Ends the subscription and the heartbeat (the client went away, or the stream ended). */
  stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#sub.end();
    this.#onEnd();
  }
}

/** The SSE text behind a response this module made, for a server that can write text itself. */
const texts = new WeakMap<Response, SseText>();

/** The {@link SseText} behind `response`, when it is an SSE response of this module. @internal */
export function sseTextOf(response: Response): SseText | undefined {
  return texts.get(response);
}

/**
 * A `text/event-stream` response over one subscription (see {@link SseText}). Its body starts
 * only when first read, and cancelling it (the client went away) ends the subscription. Without a
 * subscription (a HEAD request), the headers alone. @internal
 */
export function sseResponse(
  sub: Subscription | undefined,
  timing: SseTiming,
  onEnd: () => void,
): Response {
  const sse = sub && new SseText(sub, timing, onEnd);
  let opened = false;
  const body =
    sse &&
    new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (!opened) {
            opened = true;
            controller.enqueue(
              encoder.encode(sse.open((t) => controller.enqueue(encoder.encode(t)))),
            );
          }
          const text = await sse.next();
          if (text !== undefined) controller.enqueue(encoder.encode(text));
          else controller.close();
        },
        cancel: () => sse.stop(),
      },
      // Nothing is read from the subscription until the client's side reads.
      { highWaterMark: 0 },
    );
  const response = new Response(body ?? null, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    },
  });
  if (sse) texts.set(response, sse);
  return response;
}
