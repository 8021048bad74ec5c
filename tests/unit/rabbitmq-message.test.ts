import { describe, expect, it } from 'vitest';
import { type EventInput, eventToJson, normalizeEvent } from '../../src/index.js';
import {
  RabbitMQError,
  type RabbitMQMessageMapping,
  toRabbitMQMessage,
} from '../../src/rabbitmq/index.js';
import { resolveRabbitMQSinkOptions } from '../../src/rabbitmq/options.js';

const record = (input: Partial<EventInput> = {}) =>
  normalizeEvent({ type: 'TOOL_REQUEST', userId: 'u1', ...input }, { maxPayloadBytes: 1 << 16 });

const defaults: RabbitMQMessageMapping = resolveRabbitMQSinkOptions({
  url: 'amqp://h',
  exchange: 'x',
});

function badMessage(
  event: ReturnType<typeof record>,
  mapping: Partial<RabbitMQMessageMapping>,
): unknown {
  try {
    toRabbitMQMessage(event, { ...defaults, ...mapping });
  } catch (error) {
    return error;
  }
  throw new Error('toRabbitMQMessage accepted the event');
}

describe('toRabbitMQMessage', () => {
  it('makes a persistent, mandatory JSON message keyed by the event id', () => {
    const event = record({
      tenantId: 't1',
      projectId: 'p1',
      correlationId: 'c1',
      occurredAt: '2024-05-01T10:00:00.999Z',
      payload: { tool_name: 'search' },
    });
    const message = toRabbitMQMessage(event, defaults);
    expect(message.routingKey).toBe('eventrail.TOOL_REQUEST');
    expect(message.content.toString()).toBe(eventToJson(event));
    expect(message.options).toEqual({
      persistent: true,
      mandatory: true,
      contentType: 'application/json',
      messageId: event.id,
      type: 'TOOL_REQUEST',
      timestamp: Date.parse('2024-05-01T10:00:00Z') / 1000,
      correlationId: 'c1',
      headers: { userId: 'u1', tenantId: 't1', projectId: 'p1' },
    });
  });

  it('leaves out what the event does not have: no priority, correlation id or empty headers', () => {
    const { options } = toRabbitMQMessage(record(), { ...defaults, mandatory: false });
    expect(options).not.toHaveProperty('priority');
    expect(options).not.toHaveProperty('correlationId');
    expect(options.headers).toEqual({ userId: 'u1' });
    expect(options.mandatory).toBe(false);
  });

  it("uses the prefix, then the functions, and lets the event's own key and priority win", () => {
    const prefixed = resolveRabbitMQSinkOptions({
      url: 'amqp://h',
      exchange: 'x',
      routingKeyPrefix: 'cns',
    });
    expect(toRabbitMQMessage(record(), prefixed).routingKey).toBe('cns.TOOL_REQUEST');
    const mapping = { ...defaults, routingKey: () => 'cns.mapped', priority: () => 4 };
    expect(toRabbitMQMessage(record(), mapping)).toMatchObject({
      routingKey: 'cns.mapped',
      options: { priority: 4 },
    });
    expect(
      toRabbitMQMessage(record({ routingKey: 'cns.own', priority: 9 }), mapping),
    ).toMatchObject({
      routingKey: 'cns.own',
      options: { priority: 9 },
    });
    expect(toRabbitMQMessage(record({ priority: 0 }), mapping).options.priority).toBe(0);
    expect(
      toRabbitMQMessage(record(), { ...mapping, priority: () => null }).options,
    ).not.toHaveProperty('priority');
  });

  it('refuses what the functions get wrong, for that event alone, with RABBITMQ_BAD_MESSAGE', () => {
    const event = record();
    const cases: Partial<RabbitMQMessageMapping>[] = [
      { routingKey: () => 'ü'.repeat(128) }, // 256 bytes: AMQP short strings hold 255
      { routingKey: () => 42 as unknown as string },
      {
        routingKey: () => {
          throw new Error('no key for you');
        },
      },
      { priority: () => 4.5 },
      { priority: () => 256 },
    ];
    for (const mapping of cases) {
      const error = badMessage(event, mapping);
      expect(error).toBeInstanceOf(RabbitMQError);
      expect(error).toMatchObject({ code: 'RABBITMQ_BAD_MESSAGE' });
      expect((error as Error).message).toContain(event.id);
    }
    expect((badMessage(event, cases[2] as RabbitMQMessageMapping) as Error).cause).toMatchObject({
      message: 'no key for you',
    });
    expect(
      toRabbitMQMessage(event, { ...defaults, routingKey: () => 'ü'.repeat(127) }).routingKey,
    ).toHaveLength(127);
  });

  it('refuses fields that do not fit their AMQP property, before amqplib or the broker would', () => {
    const cases: [Partial<EventInput>, RegExp][] = [
      [{ type: 'T'.repeat(256) }, /type is longer than 255 bytes/],
      [{ correlationId: 'é'.repeat(128) }, /correlationId is longer than 255 bytes/],
      [{ userId: 'u'.repeat(20_000), projectId: 'p'.repeat(20_000) }, /exceed 32 KiB/],
    ];
    for (const [input, message] of cases) {
      const error = badMessage(record(input), {});
      expect(error).toMatchObject({ code: 'RABBITMQ_BAD_MESSAGE' });
      expect(String(error)).toMatch(message);
    }
    const fits = record({ type: 'T'.repeat(255), correlationId: 'c'.repeat(255), routingKey: 'k' });
    expect(toRabbitMQMessage(fits, defaults).options.type).toHaveLength(255);
  });
});
