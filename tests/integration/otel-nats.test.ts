/**
 * `instrument({ sinks: [nats] })`: a NatsSink is observed like a RabbitMQSink, its acks as
 * confirmed messages and its timed-out or lost acks as unconfirmed ones, under
 * `messaging.system` `nats` and its stream as the destination.
 */
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { NatsSink } from '../../src/nats/index.js';
import { instrument } from '../../src/otel/index.js';
import { useNats } from '../helpers/nats.js';
import { pointValue, testMeters } from '../helpers/otel.js';

const nats = useNats();
const meters = testMeters();
afterAll(() => meters.shutdown());

describe('instrument() with a NatsSink', () => {
  it('reports its messages and connections under messaging.system nats', async () => {
    const stream = nats.name('otel');
    const sink = new NatsSink({
      servers: nats.url,
      stream: { name: stream, subjects: [`${stream}.>`], storage: 'memory' },
      subject: (e) => `${stream}.${e.type}`,
    });
    expect(sink.messaging).toEqual({ system: 'nats', destination: stream });
    const logger = new EventLogger({
      sinks: [sink],
      fallback: new MemorySink({ name: 'fallback' }),
    });
    const metering = instrument({ logger, sinks: [sink], meterProvider: meters.provider });
    for (let i = 0; i < 50; i++) await logger.logEvent({ type: 'T', userId: 'u', payload: { i } });
    await logger.flush();

    const seen = await meters.collect();
    const semconv = {
      'messaging.system': 'nats',
      'messaging.destination.name': stream,
      'messaging.operation.name': 'publish',
    };
    const confirmed = seen
      .get('messaging.client.sent.messages')
      ?.dataPoints.find((p) => p.attributes['error.type'] === undefined);
    expect(confirmed?.attributes).toMatchObject(semconv);
    expect(confirmed?.value).toBe(50);
    expect(sink.metrics().confirmed).toBe(50);
    const unconfirmed = { ...semconv, 'error.type': 'unconfirmed' };
    expect(pointValue(seen, 'messaging.client.sent.messages', unconfirmed)).toBe(0);
    expect(pointValue(seen, 'eventrail.broker.connects', semconv)).toBe(1);
    expect(pointValue(seen, 'eventrail.broker.blocked', semconv)).toBeUndefined();
    const operation = pointValue(seen, 'messaging.client.operation.duration', semconv) as Histogram;
    expect(operation.count).toBe(logger.metrics().sinks[sink.name]?.batches);

    await metering.close();
    await logger.close();
  });
});
