/**
 * Trace context with the real OpenTelemetry SDK (AsyncLocalStorage context): an event accepted
 * while a span is active is stored with the span's ids (event_logs and the outbox), found by the
 * `traceId` filter and HTTP parameter, and sent to RabbitMQ as `traceparent`; an event accepted
 * with no active span, or before `enableTraceContext()`, carries none. The outbox publisher
 * publishes in a producer span linked to the writer's span.
 */
import { context, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventsApi } from '../../src/http/index.js';
import { EventLogger, MemorySink } from '../../src/index.js';
import { enableTraceContext, PUBLISH_SPAN_NAME } from '../../src/otel/index.js';
import {
  EventQueries,
  OutboxPublisher,
  OutboxWriter,
  PostgresSink,
} from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const db = useTestDatabase();
const mq = useRabbitMQ();
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracer = provider.getTracer('test');
let tracing: ReturnType<typeof enableTraceContext>;

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  tracing = enableTraceContext({ tracerProvider: provider });
});
afterAll(async () => {
  tracing.disable();
  context.disable();
  await provider.shutdown();
});

/** Runs `work` in a new active span and returns the span (ended) with what `work` returned. */
async function inSpan<T>(name: string, work: () => Promise<T>): Promise<[Span, T]> {
  return tracer.startActiveSpan(name, async (span): Promise<[Span, T]> => {
    try {
      return [span, await work()];
    } finally {
      span.end();
    }
  });
}

const ids = (span: Span) => {
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
};

describe('trace context', () => {
  it('is stored and sent for events logged under a span, and absent otherwise', async () => {
    const { sink: rabbit, queue } = mq.sink();
    const logger = new EventLogger({ sinks: [new PostgresSink({ db: db.pool }), rabbit] });
    const [span, traced] = await inSpan('request', () =>
      logger.logEvent({ type: 'TRACED', userId: 'u', projectId: 'p' }),
    );
    const plain = await logger.logEvent({ type: 'PLAIN', userId: 'u', projectId: 'p' });
    await logger.close();

    const { rows } = await db.pool.query(
      'SELECT id, trace_id, span_id FROM eventrail.event_logs ORDER BY event_type DESC',
    );
    expect(rows).toEqual([
      { id: traced, trace_id: ids(span).traceId, span_id: ids(span).spanId },
      { id: plain, trace_id: null, span_id: null },
    ]);

    const queries = new EventQueries({ db: db.pool });
    const page = await queries.listEvents(
      { userId: 'u', projectId: 'p' },
      { traceId: ids(span).traceId },
    );
    expect(page.items.map((e) => [e.id, e.traceId, e.spanId])).toEqual([
      [traced, ids(span).traceId, ids(span).spanId],
    ]);
    const api = new EventsApi({
      queries,
      resolveCaller: () => ({ userId: 'u', projects: ['p'] }),
    });
    const response = await api.fetch(
      new Request(`http://localhost/my/projects/p/events?traceId=${ids(span).traceId}`),
    );
    expect(((await response.json()) as { items: { id: string }[] }).items.map((e) => e.id)).toEqual(
      [traced],
    );

    const messages = await mq.collect(queue, 2);
    const headers = new Map(messages.map((m) => [m.properties.messageId, m.properties.headers]));
    expect(headers.get(traced)?.traceparent).toBe(`00-${ids(span).traceId}-${ids(span).spanId}-01`);
    expect(headers.get(plain)).not.toHaveProperty('traceparent');
  });

  it('goes through the outbox, and the publisher publishes in a span linked to the writer', async () => {
    const writer = new OutboxWriter();
    const write = async (type: string) => {
      const client = await db.pool.connect();
      try {
        await client.query('BEGIN');
        const id = await writer.write(client, { type, userId: 'u', projectId: 'p' });
        await client.query('COMMIT');
        return id;
      } finally {
        client.release();
      }
    };
    const [span, traced] = await inSpan('business change', () => write('TRACED'));
    const plain = await write('PLAIN');
    const { rows } = await db.pool.query(
      'SELECT id, trace_id, span_id FROM eventrail.event_outbox ORDER BY event_type DESC',
    );
    expect(rows).toEqual([
      { id: traced, trace_id: ids(span).traceId, span_id: ids(span).spanId },
      { id: plain, trace_id: null, span_id: null },
    ]);

    exporter.reset();
    const received = new MemorySink();
    const publisher = new OutboxPublisher({ db: db.pool, sinks: [received], pollIntervalMs: 50 });
    await publisher.start();
    await waitFor(() => received.events.length === 2, 20_000, 'both events published');
    await publisher.close();
    const byId = new Map(received.events.map((e) => [e.id, e]));
    expect(byId.get(traced)).toMatchObject(ids(span));
    expect(byId.get(plain)).toMatchObject({ traceId: null, spanId: null });

    const publishes = exporter.getFinishedSpans().filter((s) => s.name === PUBLISH_SPAN_NAME);
    const links = publishes.flatMap((s) => s.links.map((l) => l.context));
    expect(links).toEqual([expect.objectContaining(ids(span))]);
    const counted = publishes.map((s) => Number(s.attributes['messaging.batch.message_count']));
    expect(counted.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('captures nothing once disabled', async () => {
    tracing.disable();
    const sink = new MemorySink();
    const logger = new EventLogger({ sinks: [sink] });
    await inSpan('request', () => logger.logEvent({ type: 'T', userId: 'u' }));
    await logger.close();
    expect(sink.events[0]).toMatchObject({ traceId: null, spanId: null });
    tracing = enableTraceContext({ tracerProvider: provider });
  });
});
