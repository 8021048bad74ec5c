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
/** Frames are sent in chunks of up to this many bytes: one write per chunk, not per event. */
const CHUNK_BYTES = 64 * 1024;
/** What `ready()` answers when nothing is buffered yet. */
const NOTHING = new Uint8Array(0);
const HEARTBEAT = encoder.encode(': heartbeat\n\n');
/** Each event's JSON, made once however many subscribers and bindings send it. */
const jsonOf = new WeakMap<object, string>();

/** The frame of an event, encoded once for all the subscribers of its binding. */
function frame(sealed: SealedEvent): Uint8Array {
  if (sealed.wire !== undefined) return sealed.wire;
  const { event, cursor } = sealed.value;
  let json = jsonOf.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    jsonOf.set(event, json);
  }
  sealed.wire = utf8(`id: ${cursor}\nevent: event\ndata: ${json}\n\n`);
  return sealed.wire;
}

/** `text` as UTF-8 (with Node's `Buffer` where there is one: small ones come from a pool). */
function utf8(text: string): Uint8Array {
  return typeof Buffer === 'function' ? Buffer.from(text) : encoder.encode(text);
}

/** A copy of `bytes` (a Buffer's own `slice` is a view of the same memory, not a copy). */
function copyOf(bytes: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(bytes);
}

/** `parts` as one array (Node's `Buffer.concat` where there is one: it allocates from a pool). */
function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (typeof Buffer === 'function') return Buffer.concat(parts, size);
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/**
 * The text of a `text/event-stream` over one subscription, made as fast as the client takes it.
 * Each event is sent as `id: <cursor>`, `event: event`, `data: <the event as JSON, as one item of
 * the list route>`. A slow client leaves events in the subscription's bounded buffer, which ends
 * it when full (an `event: end` with the error's `code`; the client reconnects with
 * `Last-Event-ID` and resumes), never this process's memory. The bytes it gives may be shared
 * with other responses: send them, never change them. @internal
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
  open(push: (bytes: Uint8Array) => void): Uint8Array {
    this.#heartbeat = setInterval(() => {
      if (!this.#closed) push(HEARTBEAT);
    }, this.#timing.heartbeatMs);
    this.#heartbeat.unref();
    return encoder.encode(`retry: ${this.#timing.retryMs}\n: connected\n\n`);
  }

  /**
   * What to send now, without waiting: the frames of the events buffered (up to a chunk), or
   * the closing frame once the subscription has ended; empty when there is nothing yet (then
   * `onReady`), undefined once the stream has finished.
   */
  ready(): Uint8Array | undefined {
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
  #frames(): Uint8Array | undefined {
    const first = this.#sub.takeSealed();
    if (first === undefined) return this.#sub.ended ? this.#finish() : NOTHING;
    const parts = [frame(first)];
    let size = (parts[0] as Uint8Array).length;
    while (size < CHUNK_BYTES) {
      const e = this.#sub.takeSealed();
      if (e === undefined) break;
      const bytes = frame(e);
      parts.push(bytes);
      size += bytes.length;
    }
    return parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts, size);
  }

  /** Calls `callback` once (in a microtask) when `ready()` may have more to send. */
  onReady(callback: () => void): void {
    this.#sub.onReady(callback);
  }

  /** The next bytes to send (waited for), or undefined once the stream has finished. */
  async next(): Promise<Uint8Array | undefined> {
    for (let bytes = this.ready(); ; bytes = this.ready()) {
      if (bytes !== NOTHING) return bytes;
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
  #finish(): Uint8Array | undefined {
    const error = this.#sub.endError;
    this.stop();
    if (error === undefined) return undefined;
    const code = error instanceof EventrailError ? error.code : 'INTERNAL';
    const message = error instanceof EventrailError ? error.message : 'the stream failed';
    return encoder.encode(`event: end\ndata: ${JSON.stringify({ code, message })}\n\n`);
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
            controller.enqueue(sse.open((bytes) => controller.enqueue(copyOf(bytes))));
          }
          const bytes = await sse.next();
          // A copy: a reader of this stream may take over the chunk; the frame is shared.
          if (bytes !== undefined) controller.enqueue(copyOf(bytes));
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
