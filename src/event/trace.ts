import type { EventRecord } from './types.js';

/** The W3C trace context an event carries: the ids of the span active when it was accepted. */
export interface TraceContext {
  /** 32 lowercase hex digits. */
  readonly traceId: string;
  /** 16 lowercase hex digits. */
  readonly spanId: string;
}

/**
 * What a tracing integration (`eventrail/otel`'s `enableTraceContext`) plugs into the core. The
 * core itself imports no tracing library: without hooks, capturing costs one property read.
 * @internal
 */
export interface TraceHooks {
  /** The active span's ids, or undefined when none is active. Called once per accepted event. */
  readonly capture: () => TraceContext | undefined;
  /** Runs an outbox publisher's publish of `events` (in a span linked to theirs). */
  readonly publish: <T>(events: readonly EventRecord[], work: () => Promise<T>) => Promise<T>;
}

let hooks: TraceHooks | undefined;

/** Installs (or, with undefined, removes) the tracing hooks; returns the previous ones. @internal */
export function setTraceHooks(next: TraceHooks | undefined): TraceHooks | undefined {
  const previous = hooks;
  hooks = next;
  return previous;
}

/** The trace context of the active span, if a tracing integration is installed. @internal */
export function captureTrace(): TraceContext | undefined {
  return hooks?.capture();
}

/** Runs `work`, the publish of `events`, through the tracing hook when one is installed. @internal */
export function tracePublish<T>(
  events: readonly EventRecord[],
  work: () => Promise<T>,
): Promise<T> {
  return hooks === undefined ? work() : hooks.publish(events, work);
}

/** The W3C `traceparent` header of an event's trace context, or undefined without one. */
export function traceparentOf(event: EventRecord): string | undefined {
  if (event.traceId === null || event.spanId === null) return undefined;
  // eventrail keeps no trace flags: the context is passed on as sampled.
  return `00-${event.traceId}-${event.spanId}-01`;
}
