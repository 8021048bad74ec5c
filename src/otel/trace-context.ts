import {
  INVALID_SPANID,
  INVALID_TRACEID,
  type Link,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { ValidationError } from '../errors.js';
import { setTraceHooks, type TraceContext, type TraceHooks } from '../event/trace.js';
import type { EventRecord } from '../event/types.js';
import { defineOptions } from '../options/schema.js';
import { custom } from '../options/spec.js';

/** Options of {@link enableTraceContext}. */
export interface TraceContextOptions {
  /** Where the outbox publish spans are made. @default the global provider (`trace.getTracerProvider()`) */
  readonly tracerProvider?: TracerProvider;
}

const traceContextOptions = defineOptions<TraceContextOptions>()('TraceContextOptions', {
  tracerProvider: custom('a TracerProvider', (value, field) => {
    if (typeof (value as TracerProvider | null)?.getTracer !== 'function') {
      throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a TracerProvider');
    }
    return value as TracerProvider;
  }).optional('the global provider (`trace.getTracerProvider()`)'),
});

/** What {@link enableTraceContext} returns. */
export interface TraceContextHandle {
  /** Stops capturing trace context and making publish spans (puts back what was there before). */
  disable(): void;
}

/** The name of the span an outbox publisher makes around each batch it publishes. */
export const PUBLISH_SPAN_NAME = 'publish eventrail.outbox';

/**
 * From now on, every event accepted by `logEvent` / `logEvents` / `OutboxWriter.write` while an
 * OpenTelemetry span is active carries that span's trace id and span id (stored in `trace_id`,
 * `span_id`; sent as the AMQP `traceparent` header), and an outbox publisher publishes each batch
 * in a `PUBLISH_SPAN_NAME` producer span linked to the spans that wrote its events. One
 * installation per process (a second call replaces the first).
 *
 * @example
 * ```ts
 * enableTraceContext();
 * await tracer.startActiveSpan('handle request', async (span) => {
 *   await logger.logEvent({ type: 'TOOL_REQUEST', userId }); // stored with span's ids
 *   span.end();
 * });
 * ```
 */
export function enableTraceContext(options?: TraceContextOptions): TraceContextHandle {
  const { tracerProvider } = traceContextOptions.resolve(options);
  const tracer = (tracerProvider ?? trace.getTracerProvider()).getTracer('eventrail');
  const hooks: TraceHooks = {
    capture: activeContext,
    publish: (events, work) =>
      tracer.startActiveSpan(
        PUBLISH_SPAN_NAME,
        {
          kind: SpanKind.PRODUCER,
          links: linksOf(events),
          attributes: {
            'messaging.operation.name': 'publish',
            'messaging.operation.type': 'send',
            'messaging.batch.message_count': events.length,
          },
        },
        async (span) => {
          try {
            return await work();
          } catch (error) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
            throw error;
          } finally {
            span.end();
          }
        },
      ),
  };
  const previous = setTraceHooks(hooks);
  let enabled = true;
  return {
    disable() {
      if (!enabled) return;
      enabled = false;
      setTraceHooks(previous);
    },
  };
}

/**
 * The ids of the active span, unless there is none or it is the no-op span (all zeros). The
 * API's own check runs two regular expressions, several times the cost of the rest; the ids
 * come from the tracer, and are escaped wherever they are written.
 */
function activeContext(): TraceContext | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined) return undefined;
  const { traceId, spanId } = span.spanContext();
  return traceId === INVALID_TRACEID || spanId === INVALID_SPANID ? undefined : { traceId, spanId };
}

/** One link per event written under a span (its context is remote: another process may have). */
function linksOf(events: readonly EventRecord[]): Link[] {
  const links: Link[] = [];
  for (const event of events) {
    if (event.traceId === null || event.spanId === null) continue;
    links.push({
      context: {
        traceId: event.traceId,
        spanId: event.spanId,
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      },
      attributes: { 'messaging.message.id': event.id },
    });
  }
  return links;
}
