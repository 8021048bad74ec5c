import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../src/index.js';
import {
  classifyNatsError,
  DEFAULT_NATS_SINK_OPTIONS,
  DEFAULT_NATS_STREAM_OPTIONS,
  NATS_HEADERS,
  NatsError,
  NatsSink,
  toNatsMessage,
} from '../../src/nats/index.js';
import { subjectMatches } from '../../src/nats/subjects.js';
import { refused } from '../helpers/refused.js';

const stream = { name: 'EVENTS' };
const record = (input: Parameters<typeof normalizeEvent>[0]) =>
  normalizeEvent(input, { maxPayloadBytes: 1024 });
const mapping = {
  subject: (e: { type: string }) => `eventrail.${e.type}`,
  streamSubjects: ['eventrail.>', 'cns.*.done'],
};

describe('NatsSink options', () => {
  it('refuses bad options at construction, naming the field', () => {
    expect(refused(() => new NatsSink({ stream } as never)).field).toBe('options.servers');
    expect(
      refused(
        () => new NatsSink({ servers: 'nats://x', connection: { request() {} } as never, stream }),
      ).field,
    ).toBe('options.servers');
    expect(refused(() => new NatsSink({ connection: {} as never, stream })).field).toBe(
      'options.connection',
    );
    expect(refused(() => new NatsSink({ servers: 'nats://x' } as never)).field).toBe(
      'options.stream',
    );
    expect(refused(() => new NatsSink({ servers: 'n', stream: { name: 'a.b' } })).field).toBe(
      'options.stream.name',
    );
    expect(
      refused(() => new NatsSink({ servers: 'n', stream: { name: 'S', subjects: ['a..b'] } }))
        .field,
    ).toBe('options.stream.subjects[0]');
    expect(
      refused(() => new NatsSink({ servers: 'n', stream: { name: 'S', storage: 'disk' as never } }))
        .field,
    ).toBe('options.stream.storage');
    expect(
      refused(() => new NatsSink({ servers: 'n', stream: { name: 'S', duplicateWindowMs: 0 } }))
        .field,
    ).toBe('options.stream.duplicateWindowMs');
    expect(refused(() => new NatsSink({ servers: 'n', stream, ackTimeoutMs: -1 })).field).toBe(
      'options.ackTimeoutMs',
    );
    expect(refused(() => new NatsSink({ servers: 'n', stream, subjectPrefix: 'a b' })).field).toBe(
      'options.subjectPrefix',
    );
    expect(refused(() => new NatsSink({ servers: 'n', stream, subject: 'x' as never })).field).toBe(
      'options.subject',
    );
  });

  it('refuses a misspelt option of the stream, naming the closest', () => {
    const error = refused(
      () => new NatsSink({ servers: 'n', stream: { name: 'S', replica: 3 } as never }),
    );
    expect(error).toMatchObject({ field: 'options.stream.replica', code: 'VALIDATION_UNKNOWN' });
    expect(error.message).toMatch(/did you mean 'replicas'\?/);
  });

  it('has frozen defaults and starts idle, named nats, with two writes in flight', () => {
    expect(Object.isFrozen(DEFAULT_NATS_SINK_OPTIONS)).toBe(true);
    expect(DEFAULT_NATS_STREAM_OPTIONS).toEqual({
      storage: 'file',
      replicas: 1,
      duplicateWindowMs: 120_000,
    });
    const sink = new NatsSink({ servers: 'nats://127.0.0.1:1', stream });
    expect(sink.name).toBe('nats');
    expect(sink.state).toBe('idle');
    expect(sink.defaults).toEqual({ writesInFlight: 2 });
    expect(sink.metrics()).toMatchObject({ published: 0, connects: 0 });
  });
});

describe('NATS subjects and messages', () => {
  it('matches subjects against stream patterns with * and >', () => {
    expect(subjectMatches('cns.enrichment.done', 'cns.>')).toBe(true);
    expect(subjectMatches('cns', 'cns.>')).toBe(false);
    expect(subjectMatches('cns.a.done', 'cns.*.done')).toBe(true);
    expect(subjectMatches('cns.a.b.done', 'cns.*.done')).toBe(false);
    expect(subjectMatches('a.b', 'a.b')).toBe(true);
    expect(subjectMatches('a.b', 'a')).toBe(false);
  });

  it('maps an event: routing key as subject, Nats-Msg-Id = id, headers where set', () => {
    const event = record({
      type: 'T',
      userId: 'u',
      tenantId: 't',
      correlationId: 'c',
      routingKey: 'cns.x.done',
    });
    const message = toNatsMessage(event, mapping);
    expect(message.subject).toBe('cns.x.done');
    const headers = message.headers;
    expect(headers.get('Nats-Msg-Id')).toBe(event.id);
    expect(headers.get(NATS_HEADERS.type)).toBe('T');
    expect(headers.get(NATS_HEADERS.userId)).toBe('u');
    expect(headers.get(NATS_HEADERS.tenantId)).toBe('t');
    expect(headers.get(NATS_HEADERS.correlationId)).toBe('c');
    expect(headers.has(NATS_HEADERS.traceparent)).toBe(false);
    expect(JSON.parse(Buffer.from(message.data).toString()).id).toBe(event.id);
    const traced = {
      ...event,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
    };
    expect(toNatsMessage(traced, mapping).headers.get(NATS_HEADERS.traceparent)).toBe(
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    );
    expect(toNatsMessage(record({ type: 'X', userId: 'u' }), mapping).subject).toBe('eventrail.X');
  });

  it('fails one event alone: unusable subject, a throwing mapper, a subject outside the stream', () => {
    const bad = (routingKey: string | null, subject = mapping.subject) => {
      try {
        toNatsMessage(record({ type: 'T', userId: 'u', routingKey }), { ...mapping, subject });
      } catch (error) {
        expect(error).toBeInstanceOf(NatsError);
        return error as NatsError;
      }
      throw new Error('mapped');
    };
    expect(bad('cns.*').code).toBe('NATS_BAD_MESSAGE');
    expect(bad('has space').code).toBe('NATS_BAD_MESSAGE');
    expect(
      bad(null, () => {
        throw new Error('boom');
      }).code,
    ).toBe('NATS_BAD_MESSAGE');
    expect(bad('other.x')).toMatchObject({ code: 'NATS_UNROUTABLE', subject: 'other.x' });
    expect(classifyNatsError(bad('other.x'))).toBe('permanent');
    // Each subject is judged once per mapping: a second event on it gets the same verdict.
    for (let i = 0; i < 2; i++) {
      const stray = record({ type: 'T', userId: 'u', routingKey: 'other.y' });
      expect(() => toNatsMessage(stray, mapping)).toThrow(/not among the stream's subjects/);
      expect(toNatsMessage(record({ type: 'T', userId: 'u' }), mapping).subject).toBe(
        'eventrail.T',
      );
    }
    const broken = { ...record({ type: 'T', userId: 'u' }), correlationId: 'a\r\nInjected: 1' };
    expect(() => toNatsMessage(broken, mapping)).toThrow(
      expect.objectContaining({ code: 'NATS_BAD_MESSAGE', subject: 'eventrail.T' }),
    );
    expect(classifyNatsError(new NatsError('NATS_ACK_TIMEOUT', 'x'))).toBe('transient');
    expect(classifyNatsError(new NatsError('NATS_NO_RESPONDERS', 'x'))).toBe('transient');
    expect(classifyNatsError(new NatsError('NATS_STREAM', 'x'))).toBe('permanent');
  });
});
