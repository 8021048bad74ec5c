import { describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const mq = useRabbitMQ();
const EVENTS = 20_000;

describe('RabbitMQSink when the broker closes its connection mid-stream', () => {
  it('reconnects and delivers every event at least once, duplicates under the same messageId', async () => {
    const { sink, queue } = mq.sink();
    const states: string[] = [];
    sink.on('state', (state) => states.push(state));
    const fallback = new MemorySink({ name: 'fallback' });
    // Batches of 100 as this scenario was timed for (writes grow to 1000 by default).
    const logger = new EventLogger({ sinks: [sink], fallback, maxBatchSize: 100 });
    let retries = 0;
    logger.on('retry', () => {
      retries += 1;
    });

    // The broker closes the connection while writes are in flight, until one of those closes
    // caught messages awaiting their confirms (most do: a write awaits confirms most of its time).
    let closes = 0;
    const closer = (async () => {
      while (closes < 5 && sink.metrics().unconfirmed === 0) {
        while (sink.metrics().confirmed < (closes + 1) * 3000) {
          await new Promise((r) => setTimeout(r, 5));
        }
        closes += await mq.closeConnections(`eventrail/${sink.name}`);
        while (sink.state !== 'connected') await new Promise((r) => setTimeout(r, 5));
      }
    })();
    for (let i = 0; i < EVENTS; i++) {
      await logger.logEvent({ type: 'PROGRESS', userId: 'u', payload: { i } });
      if (i % 200 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await closer;
    const summary = await logger.close();

    expect(closes).toBeGreaterThan(0);
    expect(sink.metrics().unconfirmed).toBeGreaterThan(0);
    expect(retries).toBeGreaterThan(0);
    expect(sink.metrics()).toMatchObject({ disconnects: closes, connects: closes + 1 });
    expect(states).toContain('reconnecting');
    expect(summary.sinks[sink.name]).toEqual({
      received: EVENTS,
      written: EVENTS,
      fallback: 0,
      dropped: 0,
    });
    expect(fallback.events).toHaveLength(0);

    const messages = await mq.collectEvents(queue, EVENTS);
    const arrived = new Set(messages.map((m) => JSON.parse(String(m.content)).payload.i));
    expect(arrived.size).toBe(EVENTS);
    // A duplicate is the same event: the same messageId as its first delivery and as its body's id.
    const idOf = new Map<number, string>();
    for (const message of messages) {
      const body = JSON.parse(String(message.content));
      expect(message.properties.messageId).toBe(body.id);
      expect(message.properties.messageId).toBe(idOf.get(body.payload.i) ?? body.id);
      idOf.set(body.payload.i, body.id);
    }
    console.info(
      `closes: ${closes}, retries: ${retries}, unconfirmed: ${sink.metrics().unconfirmed}, duplicates: ${messages.length - EVENTS}`,
    );
  });
});
