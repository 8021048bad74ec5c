import { EventrailError } from '../errors.js';
import type { SealedEvent, Subscription } from '../postgres/stream/subscription.js';

/** How an SSE response paces itself. @internal */
export interface SseTiming {
  /** Milliseconds between heartbeat comments while no event is sent. */
  readonly heartbeatMs: number;
  /** The `retry:` hint: milliseconds a client waits before reconnecting. */
  readonly retryMs: number;
}

const encoder = new TextEncoder();
/** Frames are sent in chunks of up to about this many characters: one write per chunk. */
const CHUNK_CHARS = 64 * 1024;
/** What `ready()` answers when nothing is buffered yet. */
const NOTHING = '';
const HEARTBEAT = ': heartbeat\n\n';
/** Each event's JSON, made once however many subscribers and bindings send it. */
const jsonOf = new WeakMap<object, string>();

/** The frame of an event, made once for all the subscribers of its binding. */
function frame(sealed: SealedEvent): string {
  if (sealed.wire !== undefined) return sealed.wire;
  const { event, cursor } = sealed.value;
  let json = jsonOf.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    jsonOf.set(event, json);
  }
  sealed.wire = `id: ${cursor}\nevent: event\ndata: ${json}\n\n`;
  return sealed.wire;
}

/**
 * The text of a `text/event-stream` over one subscription, made as fast as the client takes it.
 * Each event is sent as `id: <cursor>`, `event: event`, `data: <the event as JSON, as one item of
 * the list route>`. A slow client leaves events in the subscription's bounded buffer, which ends
 * it when full (an `event: end` with the error's `code`; the client reconnects with
 * `Last-Event-ID` and resumes), never this process's memory. It gives text: a Node writer sends
 * it as it is (a socket encodes a string itself, without a Buffer per write), a web stream
 * encodes it. @internal
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
      if (!this.#closed) push(HEARTBEAT);
    }, this.#timing.heartbeatMs);
    this.#heartbeat.unref();
    return `retry: ${this.#timing.retryMs}\n: connected\n\n`;
  }

  /**
   * What to send now, without waiting: the frames of the events buffered (up to a chunk), or
   * the closing frame once the subscription has ended; empty when there is nothing yet (then
   * `onReady`), undefined once the stream has finished.
   */
  ready(): string | undefined {
    if (this.#closed) return undefined;
    try {
      return this.#frames();
    } catch (error) {
      // A frame that cannot be made (an unexpected failure): end with the closing frame.
      this.#sub.end(error);
      return this.#finish();
    }
  }

  /** The frames of the events buffered, up to a chunk; see `ready()`. */
  #frames(): string | undefined {
    const first = this.#sub.takeSealed();
    if (first === undefined) return this.#sub.ended ? this.#finish() : NOTHING;
    let text = frame(first);
    while (text.length < CHUNK_CHARS) {
      const e = this.#sub.takeSealed();
      if (e === undefined) break;
      text += frame(e);
    }
    return text;
  }

  /** Calls `callback` once (in a microtask) when `ready()` may have more to send. */
  onReady(callback: () => void): void {
    this.#sub.onReady(callback);
  }

  /** The next text to send (waited for), or undefined once the stream has finished. */
  async next(): Promise<string | undefined> {
    for (let text = this.ready(); ; text = this.ready()) {
      if (text !== NOTHING) return text;
      await this.#sub.wait();
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

  /** The closing frame of an ended subscription: why it ended early, or nothing. */
  #finish(): string | undefined {
    const error = this.#sub.endError;
    this.stop();
    if (error === undefined) return undefined;
    const code = error instanceof EventrailError ? error.code : 'INTERNAL';
    const message = error instanceof EventrailError ? error.message : 'the stream failed';
    return `event: end\ndata: ${JSON.stringify({ code, message })}\n\n`;
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
            const push = (text: string) => controller.enqueue(encoder.encode(text));
            push(sse.open(push));
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
      'x-accel-buffering': 'no',
    },
  });
  if (sse) texts.set(response, sse);
  return response;
}
