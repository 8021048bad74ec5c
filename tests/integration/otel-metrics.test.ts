/**
 * `instrument()` against a real workload: a logger writing to memory, to a real RabbitMQ and to
 * a sink that always fails, an outbox publisher on a real database. Every figure read through
 * an OpenTelemetry reader equals the one `metrics()` gives; after `close()` nothing more is
 * reported.
 */
import { AggregationTemporality, type Histogram } from '@opentelemetry/sdk-metrics';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { instrument, MetricsReadError } from '../../src/otel/index.js';
import { MaintenanceTimer, OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { FakeSink, FatalError } from '../helpers/fake-sink.js';
import { pointValue, testMeters } from '../helpers/otel.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

const db = useTestDatabase();
const mq = useRabbitMQ();
const meters = testMeters();
afterAll(() => meters.shutdown());

describe('instrument()', () => {
  it('reports what metrics() says for a logger, a RabbitMQ sink and an outbox publisher', async () => {
    const memory = new MemorySink({ name: 'memory' });
    const { sink: rabbit, exchange } = mq.sink();
    const broken = new FakeSink('broken');
    broken.rejectEvent = () => true;
    broken.failNext.push(...Array.from({ length: 50 }, () => new FatalError('refused')));
    const logger = new EventLogger({
      sinks: [memory, rabbit, broken],
      fallback: new MemorySink({ name: 'fallback' }),
      flushSize: 20,
    });
    const publisher = new OutboxPublisher({
      db: db.pool,
      sinks: [new MemorySink({ name: 'outbox-memory' })],
      claimSize: 25,
      pollIntervalMs: 50,
    });
    const maintenance = new MaintenanceTimer({ db: db.pool, intervalMs: 3_600_000 });
    const metering = instrument({
      logger,
      publisher,
      sinks: [rabbit],
      maintenance,
      meterProvider: meters.provider,
    });

    for (let i = 0; i < 100; i++) await logger.logEvent({ type: 'T', userId: 'u', payload: { i } });
    await expect(logger.logEvent({ type: '', userId: 'u' })).rejects.toThrow();
    await logger.flush();
    await commitToOutbox(db.pool, outboxEvents(60), 30);
    await publisher.start();
    const run = await maintenance.runNow();
    await waitFor(() => publisher.metrics().published === 60, 20_000, 'publishing');

    const seen = await meters.collect();
    const own = logger.metrics();
    expect(pointValue(seen, 'eventrail.logger.accepted')).toBe(100);
    expect(pointValue(seen, 'eventrail.logger.rejected')).toBe(1);
    for (const [name, figures] of Object.entries(own.sinks)) {
      const at = { 'eventrail.sink.name': name };
      expect(pointValue(seen, 'eventrail.sink.queue.depth', at)).toBe(figures.queueDepth);
      expect(pointValue(seen, 'eventrail.sink.received', at)).toBe(figures.received);
      expect(pointValue(seen, 'eventrail.sink.written', at)).toBe(figures.written);
      expect(pointValue(seen, 'eventrail.sink.batches', at)).toBe(figures.batches);
      expect(pointValue(seen, 'eventrail.sink.errors', at)).toBe(figures.errors);
      expect(pointValue(seen, 'eventrail.sink.dropped', at)).toBe(figures.dropped);
      expect(pointValue(seen, 'eventrail.sink.fallback', at)).toBe(figures.fallback);
      const size = pointValue(seen, 'eventrail.sink.batch.size', at) as Histogram | undefined;
      expect(size?.count ?? 0).toBe(figures.batches);
      expect(size?.sum ?? 0).toBe(figures.written);
    }
    expect(own.sinks.memory?.written).toBe(100);
    expect(own.sinks.broken?.fallback).toBe(100);
    expect(pointValue(seen, 'eventrail.sink.fallback', { 'eventrail.sink.name': 'broken' })).toBe(
      100,
    );

    const semconv = {
      'messaging.system': 'rabbitmq',
      'messaging.destination.name': exchange,
      'messaging.operation.name': 'publish',
    };
    const confirmed = seen
      .get('messaging.client.sent.messages')
      ?.dataPoints.find((p) => p.attributes['error.type'] === undefined);
    expect(confirmed?.attributes).toMatchObject(semconv);
    expect(confirmed?.value).toBe(rabbit.metrics().confirmed);
    expect(rabbit.metrics().confirmed).toBe(100);
    expect(pointValue(seen, 'messaging.client.sent.messages', { 'error.type': 'nacked' })).toBe(0);
    const operation = pointValue(seen, 'messaging.client.operation.duration', semconv) as Histogram;
    expect(operation.count).toBe(own.sinks[rabbit.name]?.batches);
    expect(pointValue(seen, 'eventrail.broker.blocked.time', semconv)).toBe(0);
    expect(pointValue(seen, 'eventrail.broker.connects', semconv)).toBe(1);

    const outbox = publisher.metrics();
    expect(pointValue(seen, 'eventrail.outbox.published')).toBe(outbox.published);
    expect(pointValue(seen, 'eventrail.outbox.pending')).toBe(0);
    expect(pointValue(seen, 'eventrail.outbox.failed')).toBe(0);
    expect(pointValue(seen, 'eventrail.outbox.batches')).toBe(outbox.batches);
    expect(pointValue(seen, 'eventrail.outbox.publish.lag', { quantile: '1' })).toBe(
      outbox.publishLatencyMs.max / 1000,
    );
    expect((pointValue(seen, 'eventrail.outbox.batch.size') as Histogram).sum).toBe(60);
    const upkeep = maintenance.metrics();
    expect(upkeep.runs).toBe(1);
    expect(pointValue(seen, 'eventrail.maintenance.runs')).toBe(1);
    expect(pointValue(seen, 'eventrail.maintenance.partitions.created')).toBe(run.created.length);
    expect(pointValue(seen, 'eventrail.maintenance.last_run.time')).toBe(upkeep.lastRunAtMs / 1000);
    expect(pointValue(seen, 'eventrail.maintenance.run_in_progress')).toBe(0);
    expect(pointValue(seen, 'eventrail.maintenance.run.duration', { quantile: '1' })).toBe(
      upkeep.runDurationMs.max / 1000,
    );

    const closing = metering.close();
    expect(metering.close()).toBe(closing);
    await expect(closing).resolves.toEqual({ timedOut: false });
    for (let i = 0; i < 20; i++) await logger.logEvent({ type: 'T', userId: 'u' });
    await logger.flush();
    const after = await meters.collect();
    // The API cannot delete an instrument: a cumulative reader repeats the last figures it saw
    // (the delta test below shows that nothing new arrives); they no longer follow metrics().
    expect(logger.metrics().accepted).toBe(120);
    expect(pointValue(after, 'eventrail.logger.accepted')).toBe(100);
    expect(pointValue(after, 'eventrail.sink.written', { 'eventrail.sink.name': 'memory' })).toBe(
      100,
    );
    const sizeAfter = pointValue(after, 'eventrail.sink.batch.size', {
      'eventrail.sink.name': 'memory',
    }) as Histogram;
    expect(sizeAfter.sum).toBe(100);

    await publisher.close();
    await logger.close();
    await maintenance.close();
  });

  it('reports nothing at all after close() to a delta reader', async () => {
    const delta = testMeters(AggregationTemporality.DELTA);
    const logger = new EventLogger({ sinks: [new MemorySink()] });
    const metering = instrument({ logger, meterProvider: delta.provider });
    await logger.logEvent({ type: 'T', userId: 'u' });
    await logger.flush();
    expect((await delta.collect()).get('eventrail.sink.written')?.dataPoints.length).toBe(1);
    await metering.close();
    await logger.logEvent({ type: 'T', userId: 'u' });
    await logger.flush();
    const after = await delta.collect();
    expect([...after.values()].map((m) => m.dataPoints.length)).toEqual(
      [...after.values()].map(() => 0),
    );
    await logger.close();
    await delta.shutdown();
  });

  it("collects within readTimeoutMs while the publisher's database answers nothing, and says so", async () => {
    const { hostname, port } = new URL(db.url);
    const proxy = await startTcpProxy({ host: hostname, port: Number(port || 5432) });
    const proxied = new pg.Pool({ connectionString: throughProxy(db.url, proxy), max: 2 });
    proxied.on('error', () => {});
    const cut = testMeters();
    const publisher = new OutboxPublisher({
      db: proxied,
      sinks: [new MemorySink()],
      listen: false,
    });
    const logger = new EventLogger({ sinks: [new MemorySink()] });
    const metering = instrument({
      logger,
      publisher,
      readTimeoutMs: 300,
      meterProvider: cut.provider,
    });
    const errors: unknown[] = [];
    metering.on('error', (error) => errors.push(error));
    try {
      await logger.logEvent({ type: 'T', userId: 'u' });
      await logger.flush();
      proxy.blackhole();
      const started = performance.now();
      const seen = await cut.collect();
      expect(performance.now() - started).toBeLessThan(2000);
      expect(pointValue(seen, 'eventrail.logger.accepted')).toBe(1);
      expect(pointValue(seen, 'eventrail.outbox.published')).toBe(0);
      expect(seen.get('eventrail.outbox.pending')?.dataPoints ?? []).toHaveLength(0);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(MetricsReadError);
      expect(errors[0]).toMatchObject({ code: 'METRICS_READ', part: 'OutboxPublisher' });
      expect(metering.metrics()).toEqual({ parts: 2, errors: 1 });
    } finally {
      await metering.close();
      await publisher.close({ timeoutMs: 100 });
      await logger.close();
      await cut.shutdown();
      await proxy.close();
      await proxied.end().catch(() => {});
    }
  });

  it('refuses a source without metrics(), naming it', () => {
    expect(() => instrument({ logger: {} as never })).toThrow(/options\.logger/);
    expect(() => instrument({ sinks: [{ name: 'x', messaging: {} }] as never })).toThrow(
      /options\.sinks\[0\]\.messaging/,
    );
    expect(() =>
      instrument({ sinks: [{ name: 'x', messaging: { system: 'a', destination: 'b' } }] as never }),
    ).toThrow(/options\.sinks\[0\]: a broker sink must have a metrics\(\) method/);
    expect(() => instrument({ loger: {} } as never)).toThrow(/did you mean 'logger'\?/);
  });
});
