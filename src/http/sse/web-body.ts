import type { SseSession, SseWriter } from './session.js';

const encoder = new TextEncoder();

/**
 * A web stream's body as an {@link SseWriter}: each write is one chunk handed to a read the
 * consumer has asked for, so it is backed up after every write until the next pull.
 */
class WebBodyWriter implements SseWriter {
  readonly #controller: ReadableStreamDefaultController<Uint8Array>;
  #drain: (() => void) | undefined;
  #cancelled = false;

  constructor(controller: ReadableStreamDefaultController<Uint8Array>) {
    this.#controller = controller;
  }

  get gone(): boolean {
    return this.#cancelled;
  }

  write(text: string): boolean {
    this.#controller.enqueue(encoder.encode(text));
    return false;
  }

  onDrain(callback: () => void): void {
    this.#drain = callback;
  }

  end(): void {
    this.#controller.close();
  }

  /** The consumer asked for the next chunk. */
  pulled(): void {
    const drain = this.#drain;
    this.#drain = undefined;
    drain?.();
  }

  cancelled(): void {
    this.#cancelled = true;
  }
}

/**
 * The body of an SSE `Response` (fetch-style hosts: Hono, Bun, Deno): the session's text,
 * encoded, at the pace the consumer reads it. It starts only when first read; cancelling it (the
 * client went away) ends the session. @internal
 */
export function sseBody(session: SseSession): ReadableStream<Uint8Array> {
  let writer: WebBodyWriter | undefined;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (writer !== undefined) return writer.pulled();
        writer = new WebBodyWriter(controller);
        session.run(writer).catch((error: unknown) => controller.error(error));
      },
      cancel() {
        writer?.cancelled();
        session.stop();
      },
    },
    // Nothing is read from the subscription until the consumer reads.
    { highWaterMark: 0 },
  );
}
