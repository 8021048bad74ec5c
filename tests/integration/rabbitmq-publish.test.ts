import { describe, expect, it } from 'vitest';
import { EventLogger, type EventRecord, MemorySink } from '../../src/index.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';

const mq = useRabbitMQ();

/** Seed 004's catalog: CNS routing keys and priorities. */
const STAGES = ['parsing', 'enrichment', 'risk_analysis'];

function cnsEvent(i: number) {
  const kind = i % 4;
  if (kind === 0) return { type: 'processing_started', userId: `u${i % 7}`, payload: { i } };
  if (kind === 1) {
    return { type: 'stage_started', userId: 'u', payload: { i, stage: STAGES[i % 3] } };
  }
  if (kind === 2) return { type: 'enrichment_progress', userId: 'u', payload: { i } };
  // The event's own routing key and priority win over the sink's functions.
  return { type: 'error', userId: 'u', routingKey: 'cns.error', priority: 8, payload: { i } };
}

/** What seed 004 says each of the events above is published with. */
function expected(i: number): [string, number] {
  return [
    ['cns.processing.started', 7],
    [`cns.stage.${STAGES[i % 3]}.started`, 6],
    ['cns.enrichment.progress', 4],
    ['cns.error', 8],
  ][i % 4] as [string, number];
}

function cnsRoutingKey(event: EventRecord): string {
  if (event.type === 'stage_started') return `cns.stage.${String(event.payload.stage)}.started`;
  return `cns.${event.type.replace('_', '.')}`;
}

function cnsPriority(event: EventRecord): number {
  return event.type === 'processing_started' ? 7 : event.type === 'stage_started' ? 6 : 4;
}

describe('RabbitMQSink publishing through an EventLogger', () => {
  it('delivers 10k events once each, with their routing keys and priorities', async () => {
    const queue = mq.name('q');
    const { sink } = mq.sink({
      queues: [{ queue, bindingKeys: ['cns.#'], options: { maxPriority: 10 } }],
      routingKey: cnsRoutingKey,
      priority: cnsPriority,
    });
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i++) ids.push(await logger.logEvent(cnsEvent(i)));
    const summary = await logger.close();
    expect(summary.sinks[sink.name]).toEqual({
      received: 10_000,
      written: 10_000,
      fallback: 0,
      dropped: 0,
    });

    const messages = await mq.collect(queue, 10_000);
    expect(messages).toHaveLength(10_000);
    const byId = new Map(messages.map((m) => [m.properties.messageId as string, m]));
    expect(byId.size).toBe(10_000);
    expect([...byId.keys()].sort()).toEqual([...ids].sort());
    // The priority queue hands out what waits in it highest priority first.
    const priorities = messages.map((m) => m.properties.priority as number);
    expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
    for (const [i, id] of ids.entries()) {
      const message = byId.get(id);
      expect(JSON.parse(String(message?.content)).payload.i).toBe(i);
      expect([message?.fields.routingKey, message?.properties.priority]).toEqual(expected(i));
    }
    expect(sink.metrics()).toMatchObject({
      state: 'closed',
      published: 10_000,
      confirmed: 10_000,
      nacked: 0,
      returned: 0,
      unconfirmed: 0,
      connects: 1,
    });
  });

  it('sends each event as a persistent JSON message carrying its id, type, time and ids', async () => {
    const { sink, queue, exchange } = mq.sink();
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    const occurredAt = new Date('2024-05-01T10:00:00.900Z');
    const id = await logger.logEvent({
      type: 'TOOL_REQUEST',
      userId: 'user-a',
      projectId: 'p1',
      tenantId: 't1',
      correlationId: 'req-42',
      occurredAt,
      payload: { tool_name: 'search', n: 1.5 },
    });
    await logger.close();
    const [message] = await mq.collect(queue, 1);
    expect(message?.fields).toMatchObject({ exchange, routingKey: 'eventrail.TOOL_REQUEST' });
    expect(message?.properties).toMatchObject({
      messageId: id,
      type: 'TOOL_REQUEST',
      contentType: 'application/json',
      deliveryMode: 2,
      timestamp: Math.floor(occurredAt.getTime() / 1000),
      correlationId: 'req-42',
      headers: { userId: 'user-a', projectId: 'p1', tenantId: 't1' },
    });
    expect(JSON.parse(String(message?.content))).toMatchObject({
      id,
      type: 'TOOL_REQUEST',
      userId: 'user-a',
      toolName: 'search',
      occurredAt: occurredAt.toISOString(),
      payload: { tool_name: 'search', n: 1.5 },
    });
  });

  it('hands an event the routingKey function cannot map to the fallback alone', async () => {
    const { sink, queue } = mq.sink({
      routingKey: (event) => {
        if (event.payload.i === 2) throw new Error('no key for this one');
        return 'k';
      },
    });
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [sink], fallback });
    await logger.logEvents([0, 1, 2, 3].map((i) => ({ type: 'T', userId: 'u', payload: { i } })));
    const summary = await logger.close();
    expect(summary.sinks[sink.name]).toMatchObject({ written: 3, fallback: 1 });
    expect(fallback.events.map((e) => e.payload.i)).toEqual([2]);
    // The logger hands over the sink's PartialWriteError; its cause is the mapping's failure.
    expect(fallback.lastFailure?.error).toMatchObject({
      code: 'PARTIAL_WRITE',
      cause: { code: 'RABBITMQ_BAD_MESSAGE', cause: { message: 'no key for this one' } },
    });
    expect(
      (await mq.collect(queue, 3)).map((m) => JSON.parse(String(m.content)).payload.i),
    ).toEqual([0, 1, 3]);
  });
});
