import { once } from 'node:events';
import { describe, ValidationError } from '../errors.js';
import { eventToJson } from '../event/serialize.js';
import type { EventRecord } from '../event/types.js';
import { defineOptions } from '../options/schema.js';
import { custom, text } from '../options/spec.js';
import type { Sink, WriteContext } from './sink.js';

/** The part of a writable stream that {@link ConsoleSink} uses. */
export interface LineStream {
  /** Writes a chunk of text; false when the stream's buffer is full (then wait for `drain`). */
  write(chunk: string): boolean;
  /** Calls `listener` once the buffer has room again. */
  once(event: 'drain', listener: () => void): unknown;
}

/** Options of {@link ConsoleSink}. */
export interface ConsoleSinkOptions {
  /** Where lines go: a writable stream (a file, a pipe, `process.stdout`). @default process.stderr */
  readonly stream?: LineStream;
  /** Sink name in metrics, events and close summaries; unique within one logger. @default 'console' */
  readonly name?: string;
}

const STREAM = 'a writable stream (with write and once methods)';

const consoleSinkOptions = defineOptions<ConsoleSinkOptions>()('ConsoleSinkOptions', {
  stream: custom(STREAM, (value, field) => {
    const stream = value as Partial<LineStream> | null;
    if (typeof stream?.write !== 'function' || typeof stream.once !== 'function') {
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${STREAM}`);
    }
    return stream as LineStream;
  }).optional('process.stderr'),
  name: text().default('console'),
});

/**
 * Writes each event as one JSON line. The default fallback of every logger: when it receives
 * events another sink could not write, each line also carries `failedSink` and `error`.
 * Respects the stream's backpressure (waits for `drain`).
 */
export class ConsoleSink implements Sink {
  readonly name: string;
  readonly #stream: LineStream;

  /** @throws {ValidationError} for an unknown option or a value of the wrong kind */
  constructor(options?: ConsoleSinkOptions) {
    const o = consoleSinkOptions.resolve(options);
    this.name = o.name;
    this.#stream = o.stream ?? process.stderr;
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
