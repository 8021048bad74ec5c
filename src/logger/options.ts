import type { EventCatalog } from '../catalog/catalog.js';
import { catalogSpec } from '../catalog/option.js';
import { ValidationError } from '../errors.js';
import { maxPayloadBytesSpec } from '../event/normalize.js';
import { closeTimeoutSpec } from '../lifecycle/close.js';
import { type LifecycleLog, logSpec } from '../lifecycle/log.js';
import { defineOptions } from '../options/schema.js';
import { custom } from '../options/spec.js';
import type { PipelineOptions } from '../sinks/pipeline-options.js';
import { pipelineRule, pipelineSpecs } from '../sinks/pipeline-options.js';
import { checkSink, type Sink, sinkSpec } from '../sinks/sink.js';

/** A sink with settings of its own, overriding the logger's {@link PipelineOptions}. */
export interface SinkRegistration extends PipelineOptions {
  /** The sink. */
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

/** {@link SinkRegistration}: a sink and the pipeline options it overrides. @internal */
export const sinkRegistration = defineOptions<SinkRegistration>()(
  'SinkRegistration',
  { ...pipelineSpecs, sink: sinkSpec },
  pipelineRule,
);

/**
 * Whether a `sinks` entry is a registration: it has a `sink`, or it is no sink (no `write`) and
 * has a key of a registration, as `{ sinc: s, flushSize: 10 }` has.
 */
function isRegistration(entry: unknown): entry is object {
  if (typeof entry !== 'object' || entry === null) return false;
  if ('sink' in entry) return true;
  return (
    typeof (entry as Partial<Sink>).write !== 'function' &&
    Object.keys(entry).some((key) => sinkRegistration.keys.includes(key))
  );
}

/** The logger's sinks: a non-empty array of sinks or registrations, with distinct names. */
const sinksSpec = custom('a non-empty array of sinks', (value, field) => {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ValidationError(field, 'VALIDATION_REQUIRED', 'needs at least one sink');
  }
  const names = new Set<string>();
  return value.map((entry: unknown, i) => {
    const at = `${field}[${i}]`;
    let registration: SinkRegistration;
    if (isRegistration(entry)) {
      // Its pipeline options are resolved by the logger, over its own; its keys and sink now.
      sinkRegistration.checkKeys(entry, at);
      registration = {
        ...entry,
        sink: sinkSpec.resolve((entry as { sink?: unknown }).sink, `${at}.sink`),
      };
    } else {
      registration = { sink: sinkSpec.resolve(entry, at) };
    }
    checkSink(registration.sink, i, names);
    return registration;
  }) as readonly SinkRegistration[];
});

/** {@link EventLoggerOptions} as a table of specs. @internal */
export const eventLoggerOptions = defineOptions<EventLoggerOptions<EventCatalog | undefined>>()(
  'EventLoggerOptions',
  {
    sinks: sinksSpec,
    ...pipelineSpecs,
    fallback: sinkSpec.nullable().optional('new ConsoleSink() (stderr)'),
    closeTimeoutMs: closeTimeoutSpec(),
    maxPayloadBytes: maxPayloadBytesSpec(),
    catalog: catalogSpec(),
    log: logSpec(),
  },
  pipelineRule,
);
