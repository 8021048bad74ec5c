import type { EventRecord } from '../event/types.js';
import { defineOptions } from '../options/schema.js';
import { text } from '../options/spec.js';
import type { Sink, WriteContext } from './sink.js';

/** Options of {@link MemorySink}. */
export interface MemorySinkOptions {
  /** Sink name in metrics, events and close summaries; unique within one logger. @default 'memory' */
  readonly name?: string;
}

const memorySinkOptions = defineOptions<MemorySinkOptions>()('MemorySinkOptions', {
  name: text().default('memory'),
});

/**
 * Keeps every event it receives in memory, in order. Meant for a host's own tests: log through a
 * real {@link EventLogger}, then assert on `events`.
 */
export class MemorySink implements Sink {
  readonly name: string;
  /** Every event written so far. */
  readonly events: EventRecord[] = [];
  /** How many `write` calls succeeded (one per batch). */
  writes = 0;
  /** The `failure` of the last write context, when used as a fallback. */
  lastFailure: WriteContext['failure'];

  /** @throws {ValidationError} for an unknown option or a name that is not a non-empty string */
  constructor(options?: MemorySinkOptions) {
    this.name = memorySinkOptions.resolve(options).name;
  }

  async write(batch: readonly EventRecord[], context: WriteContext): Promise<void> {
    this.writes += 1;
    this.lastFailure = context.failure;
    this.events.push(...batch);
  }
}
