import type { EventCatalog } from '../catalog/catalog.js';
import type { LifecycleLog } from '../lifecycle-log.js';
import type { PipelineOptions } from '../sinks/pipeline-options.js';
import type { Sink } from '../sinks/sink.js';

/** A sink with settings of its own, overriding the logger's {@link PipelineOptions}. */
export interface SinkRegistration extends PipelineOptions {
  readonly sink: Sink;
}

/** Options of {@link EventLogger}. */
export interface EventLoggerOptions<TCatalog extends EventCatalog | undefined = undefined>
  extends PipelineOptions {
  /** Where events go. Each sink gets its own queue and worker. At least one. */
  readonly sinks: ReadonlyArray<Sink | SinkRegistration>;
  /**
   * Receives events a sink could not write (after retries, or refused as invalid), with the error.
   * `null` drops them instead (still counted and emitted). @default new ConsoleSink() (stderr)
   */
  readonly fallback?: Sink | null;
  /** Deadline of `close()` when the call gives none, in milliseconds. @default 10000 */
  readonly closeTimeoutMs?: number;
  /** Largest payload accepted, in bytes of serialized JSON. @default 262144 (256 KiB) */
  readonly maxPayloadBytes?: number;
  /**
   * The application's event catalog (`defineCatalog`): `logEvent` then accepts only its types,
   * with their payload types at compile time and their schemas at run time. @default none
   */
  readonly catalog?: TCatalog;
  /**
   * Lifecycle messages (started, closed, writes failed for good, handed to the fallback), e.g. a
   * pino logger. @default none (silent)
   */
  readonly log?: LifecycleLog;
}

/** The default of {@link EventLoggerOptions.closeTimeoutMs}. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;
