import { once } from 'node:events';
import { describe } from '../errors.js';
import { eventToJson } from '../event/serialize.js';
import type { EventRecord } from '../event/types.js';
import type { Sink, WriteContext } from './sink.js';

/** The part of a writable stream that {@link ConsoleSink} uses. */
export interface LineStream {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** Options of {@link ConsoleSink}. */
export interface ConsoleSinkOptions {
  /** Where lines go. @default process.stderr */
  stream?: LineStream;
  /** Sink name in metrics and summaries. @default 'console' */
  name?: string;
}

/**
 * Writes each event as one JSON line. The default fallback of every logger: when it receives
 * events another sink could not write, each line also carries `failedSink` and `error`.
 * Respects the stream's backpressure (waits for `drain`).
 */
export class ConsoleSink implements Sink {
  readonly name: string;
  readonly #stream: LineStream;

  constructor(options: ConsoleSinkOptions = {}) {
    this.name = options.name ?? 'console';
    this.#stream = options.stream ?? process.stderr;
  }

  async write(batch: readonly EventRecord[], context: WriteContext): Promise<void> {
    const extra = context.failure && {
      failedSink: context.failure.sink,
      error: describe(context.failure.error),
    };
    let text = '';
    for (const event of batch) text += `${eventToJson(event, extra)}\n`;
    if (!this.#stream.write(text)) {
      await once(this.#stream as unknown as NodeJS.EventEmitter, 'drain', {
        signal: context.signal,
      });
    }
  }
}
