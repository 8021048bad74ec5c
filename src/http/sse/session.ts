import type { AnySubscription } from '../../postgres/stream/subscription.js';
import { endFrame, HEARTBEAT, itemFrame, openingFrame } from './frames.js';

/** How an SSE response paces itself. @internal */
export interface SseTiming {
  /** Milliseconds between heartbeat comments. */
  readonly heartbeatMs: number;
  /** The `retry:` hint: milliseconds a client waits before reconnecting. */
  readonly retryMs: number;
}

/**
 * Where the text of one SSE response goes: all a transport implements (a Node response, its
 * socket, a web stream's body), as pino writes through sonic-boom's `write()`. @internal
 */
export interface SseWriter {
  /**
   * Sends `text`. False when the writer is backed up: nothing more is written until the
   * callback given to `onDrain` runs.
   */
  write(text: string): boolean;
  /** Calls `callback` once, when a backed-up writer can take more. */
  onDrain(callback: () => void): void;
  /** Whether nothing more may be written: the client went, or something else ended the response. */
  readonly gone: boolean;
  /** Ends the body after the last text (never called once `gone`). */
  end(): void;
}

/** Frames are written in chunks of up to about this many characters: one write per chunk. */
const CHUNK_CHARS = 64 * 1024;

/**
 * One SSE response over one subscription: its frames written to a {@link SseWriter} as fast as
 * the writer takes them, a chunk of frames per write, and a heartbeat every `heartbeatMs`
 * unless the writer is backed up (queued behind a backlog, a heartbeat keeps nothing alive and
 * grows the backlog). A slow client leaves events in the subscription's bounded buffer, which
 * ends it when full (an `event: end` with the error's `code`: the client reconnects with
 * `Last-Event-ID` and resumes), never this process's memory. Driven by callbacks, not awaits:
 * one microtask wakes every stream a shared read fed, and a wake-up allocates no promise.
 * @internal
 */
export class SseSession {
  readonly #sub: AnySubscription;
  readonly #timing: SseTiming;
  readonly #onEnd: () => void;
  #writer: SseWriter | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #backedUp = false;
  #awaitingEvents = false;
  #finished = false;
  #settle: { resolve(): void; reject(error: unknown): void } | undefined;
  readonly #onEvents = () => {
    this.#awaitingEvents = false;
    this.#pump();
  };
  readonly #onDrain = () => {
    this.#backedUp = false;
    this.#pump();
  };

  constructor(sub: AnySubscription, timing: SseTiming, onEnd: () => void) {
    this.#sub = sub;
    this.#timing = timing;
    this.#onEnd = onEnd;
  }

  /**
   * Writes the stream to `writer` (the first writer given; later calls resolve at once).
   * Resolves when it has finished: the subscription ended (its closing frame written and the
   * body ended), or the writer is gone. Rejects when writing threw.
   */
  run(writer: SseWriter): Promise<void> {
    if (this.#writer !== undefined || this.#finished) return Promise.resolve();
    this.#writer = writer;
    const finished = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.#heartbeat = setInterval(() => this.#beat(), this.#timing.heartbeatMs);
    this.#heartbeat.unref();
    // Also when the client left before this began: its going came and went unheard.
    if (writer.gone) this.#finish();
    else if (this.#send(openingFrame(this.#timing.retryMs))) this.#pump();
    return finished;
  }

  /** Ends it without another write: the client went away. */
  stop(): void {
    this.#finish();
  }

  /** Writes what there is to write now, until the writer backs up or nothing is left. */
  #pump(): void {
    try {
      for (;;) {
        if (this.#finished || this.#backedUp) return;
        if ((this.#writer as SseWriter).gone) {
          this.#finish();
          return;
        }
        if (!this.#writeBuffered()) {
          this.#waitOrClose();
          return;
        }
      }
    } catch (error) {
      this.#finish(error);
    }
  }

  /** Writes the events buffered now, up to a chunk; false when none is. */
  #writeBuffered(): boolean {
    let text: string;
    try {
      text = this.#frames();
    } catch (error) {
      // A frame that cannot be made (an unexpected failure): end with the closing frame.
      this.#close(error);
      return true;
    }
    if (text.length === 0) return false;
    this.#send(text);
    return true;
  }

  /** Nothing buffered: waits for more events, or closes an ended subscription. */
  #waitOrClose(): void {
    if (this.#sub.ended) {
      this.#close(this.#sub.endError);
      return;
    }
    if (!this.#awaitingEvents) {
      this.#awaitingEvents = true;
      this.#sub.onReady(this.#onEvents);
    }
  }

  /** The frames of the events buffered now, up to a chunk (empty when none is). */
  #frames(): string {
    let text = '';
    while (text.length < CHUNK_CHARS) {
      const item = this.#sub.take();
      if (item === undefined) break;
      text += itemFrame(item);
    }
    return text;
  }

  /** Writes `text`; when the writer backs up, waits for it to drain. */
  #send(text: string): boolean {
    if ((this.#writer as SseWriter).write(text)) return true;
    this.#backedUp = true;
    (this.#writer as SseWriter).onDrain(this.#onDrain);
    return false;
  }

  #beat(): void {
    if (this.#finished || this.#backedUp) return;
    try {
      if ((this.#writer as SseWriter).gone) this.#finish();
      else this.#send(HEARTBEAT);
    } catch (error) {
      this.#finish(error);
    }
  }

  /** The end of an ended subscription: why it ended early (if it did), then the end of the body. */
  #close(error: unknown): void {
    if (error !== undefined) (this.#writer as SseWriter).write(endFrame(error));
    this.#finish();
  }

  #finish(failure?: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    clearInterval(this.#heartbeat);
    void this.#sub.return();
    this.#onEnd();
    const writer = this.#writer;
    if (failure !== undefined) this.#settle?.reject(failure);
    else {
      if (writer !== undefined && !writer.gone) writer.end();
      this.#settle?.resolve();
    }
  }
}
