import { describe, expect, it } from 'vitest';
import { type EventInput, EventLogger, MemorySink, ValidationError } from '../../src/index.js';

const valid = { type: 'TOOL_REQUEST', userId: 'u1' };
const cycle: Record<string, unknown> = { a: 1 };
cycle.self = cycle;
const deepCycle: Record<string, unknown> = { list: [{ x: 1 }] };
(deepCycle.list as Record<string, unknown>[])[0]!.back = deepCycle;

const cases: [string, unknown, string, string][] = [
  ['missing type', { userId: 'u1' }, 'type', 'VALIDATION_REQUIRED'],
  ['empty type', { type: '', userId: 'u1' }, 'type', 'VALIDATION_REQUIRED'],
  ['numeric type', { type: 7, userId: 'u1' }, 'type', 'VALIDATION_TYPE'],
  ['missing userId', { type: 'X' }, 'userId', 'VALIDATION_REQUIRED'],
  ['null userId', { type: 'X', userId: null }, 'userId', 'VALIDATION_REQUIRED'],
  ['numeric projectId', { ...valid, projectId: 5 }, 'projectId', 'VALIDATION_TYPE'],
  ['non-UUID id', { ...valid, id: 'abc' }, 'id', 'VALIDATION_RANGE'],
  [
    'almost-UUID id',
    { ...valid, id: '0190f0e4-7f1c-7c4e-8a3b-5e0c9d2f1a6' },
    'id',
    'VALIDATION_RANGE',
  ],
  ['array payload', { ...valid, payload: [1, 2] }, 'payload', 'VALIDATION_TYPE'],
  ['string payload', { ...valid, payload: 'text' }, 'payload', 'VALIDATION_TYPE'],
  ['BigInt in payload', { ...valid, payload: { n: 10n } }, 'payload.n', 'VALIDATION_NOT_JSON'],
  [
    'nested BigInt',
    { ...valid, payload: { a: [{ n: 1n }] } },
    'payload.a[0].n',
    'VALIDATION_NOT_JSON',
  ],
  ['cycle', { ...valid, payload: cycle }, 'payload.self', 'VALIDATION_NOT_JSON'],
  ['deep cycle', { ...valid, payload: deepCycle }, 'payload.list[0].back', 'VALIDATION_NOT_JSON'],
  ['function', { ...valid, payload: { f: () => 1 } }, 'payload.f', 'VALIDATION_NOT_JSON'],
  ['symbol', { ...valid, payload: { s: Symbol('x') } }, 'payload.s', 'VALIDATION_NOT_JSON'],
  [
    'undefined at top level',
    { ...valid, payload: { a: undefined } },
    'payload.a',
    'VALIDATION_NOT_JSON',
  ],
  [
    'undefined in array',
    { ...valid, payload: { a: [1, undefined] } },
    'payload.a[1]',
    'VALIDATION_NOT_JSON',
  ],
  ['NaN', { ...valid, payload: { x: Number.NaN } }, 'payload.x', 'VALIDATION_NOT_JSON'],
  // The type walk accepts strings without a call: what follows a string must still be seen.
  [
    'undefined after strings in an array',
    { ...valid, payload: { a: ['x', 'y', undefined] } },
    'payload.a[2]',
    'VALIDATION_NOT_JSON',
  ],
  [
    'function after a string',
    { ...valid, payload: { s: 'ok', f: () => 1 } },
    'payload.f',
    'VALIDATION_NOT_JSON',
  ],
  [
    'NaN after strings, nested',
    { ...valid, payload: { a: { s: 'ok', b: ['x', Number.NaN] } } },
    'payload.a.b[1]',
    'VALIDATION_NOT_JSON',
  ],
  [
    'Map after a string in an array',
    { ...valid, payload: { a: ['x', new Map()] } },
    'payload.a[1]',
    'VALIDATION_NOT_JSON',
  ],
  ['Infinity', { ...valid, payload: { x: [Infinity] } }, 'payload.x[0]', 'VALIDATION_NOT_JSON'],
  ['Map', { ...valid, payload: { m: new Map([[1, 2]]) } }, 'payload.m', 'VALIDATION_NOT_JSON'],
  [
    'Error object',
    { ...valid, payload: { err: new Error('x') } },
    'payload.err',
    'VALIDATION_NOT_JSON',
  ],
  [
    'NUL in payload string',
    { ...valid, payload: { s: 'a\u0000b' } },
    'payload.s',
    'VALIDATION_BAD_STRING',
  ],
  [
    'NUL in payload key',
    { ...valid, payload: { 'a\u0000': 1 } },
    'payload key "a\u0000"',
    'VALIDATION_BAD_STRING',
  ],
  [
    'NUL deep in payload',
    { ...valid, payload: { a: { b: ['ok', 'x\u0000'] } } },
    'payload.a.b[1]',
    'VALIDATION_BAD_STRING',
  ],
  [
    'lone surrogate',
    { ...valid, payload: { s: 'a\ud800b' } },
    'payload.s',
    'VALIDATION_BAD_STRING',
  ],
  ['NUL in type', { type: 'A\u0000', userId: 'u1' }, 'type', 'VALIDATION_BAD_STRING'],
  ['NUL in sessionId', { ...valid, sessionId: '\u0000' }, 'sessionId', 'VALIDATION_BAD_STRING'],
  [
    'payload too large',
    { ...valid, payload: { s: 'x'.repeat(300_000) } },
    'payload',
    'VALIDATION_TOO_LARGE',
  ],
  [
    'multi-byte payload too large',
    { ...valid, payload: { s: 'я'.repeat(140_000) } },
    'payload',
    'VALIDATION_TOO_LARGE',
  ],
  ['priority 300', { ...valid, priority: 300 }, 'priority', 'VALIDATION_RANGE'],
  ['priority 1.5', { ...valid, priority: 1.5 }, 'priority', 'VALIDATION_RANGE'],
  ['long routing key', { ...valid, routingKey: 'k'.repeat(256) }, 'routingKey', 'VALIDATION_RANGE'],
  ['bad occurredAt', { ...valid, occurredAt: 'yesterday' }, 'occurredAt', 'VALIDATION_TYPE'],
  [
    'occurredAt before 4713 BC',
    { ...valid, occurredAt: -8.6e15 },
    'occurredAt',
    'VALIDATION_RANGE',
  ],
  ['occurredAt object', { ...valid, occurredAt: {} }, 'occurredAt', 'VALIDATION_TYPE'],
  ['not an object', 'TOOL_REQUEST', 'event', 'VALIDATION_TYPE'],
];

describe('validation of events', () => {
  const sink = new MemorySink();
  const logger = new EventLogger({ sinks: [sink], fallback: null });

  it.each(cases)('refuses %s, naming the field', async (_name, input, field, code) => {
    const error = await logger.logEvent(input as EventInput).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field, code });
    expect((error as Error).message).toContain(field);
  });

  it('queued none of the bad events, and counted them', async () => {
    await logger.flush();
    expect(sink.events).toHaveLength(0);
    expect(logger.metrics()).toMatchObject({ accepted: 0, rejected: cases.length });
  });

  it('accepts what JSON represents faithfully, including Dates, null-prototype objects and shared references', async () => {
    const shared = { k: 1 };
    const bare = Object.create(null) as Record<string, unknown>;
    bare.x = 'y';
    await logger.logEvent({
      ...valid,
      payload: {
        when: new Date(0),
        bare,
        a: shared,
        b: shared,
        nested: [[1, 'two', null, true]],
        literal: '\\u0000',
      },
    });
    await logger.flush();
    const [event] = sink.events.splice(0);
    expect(JSON.parse(event!.payloadJson)).toEqual({
      when: '1970-01-01T00:00:00.000Z',
      bare: { x: 'y' },
      a: { k: 1 },
      b: { k: 1 },
      nested: [[1, 'two', null, true]],
      literal: '\\u0000',
    });
  });

  it('refuses a whole logEvents call when one event is bad, naming its index', async () => {
    const error = await logger
      .logEvents([valid, valid, { type: 'X' } as EventInput])
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ field: '[2].userId', code: 'VALIDATION_REQUIRED' });
    await logger.flush();
    expect(sink.events).toHaveLength(0);
  });

  it('honours maxPayloadBytes', async () => {
    const small = new EventLogger({
      sinks: [new MemorySink()],
      fallback: null,
      maxPayloadBytes: 20,
    });
    await expect(
      small.logEvent({ ...valid, payload: { s: '12345678901234567890' } }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_TOO_LARGE',
    });
    await expect(small.logEvent({ ...valid, payload: { s: '123' } })).resolves.toBeTypeOf('string');
    await small.close();
  });
});

describe('normalization', () => {
  it('fills defaults and the denormalized columns from the payload', async () => {
    const sink = new MemorySink();
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    const id = '0190F0E4-7F1C-7C4E-8A3B-5E0C9D2F1A6B';
    await logger.logEvents([
      { type: 'ERROR', userId: 'u', payload: { error_code: 'E42', message: 'boom' } },
      { type: 'error', userId: 'u', payload: { errorCode: 500 } },
      { type: 'TOOL_REQUEST', userId: 'u', payload: { tool_name: 'search' } },
      { type: 'APPROVAL_RESOLVED', userId: 'u', payload: { approval_status: 'approved' } },
      {
        type: 'TASK_PROGRESS',
        userId: 'u',
        payload: { error_code: 'ignored', tool_name: 'ignored' },
      },
      { type: 'TASK_PLAN_CREATED', userId: 'u', id, toolName: 'explicit', occurredAt: 0 },
    ]);
    await logger.close();
    const [e1, e2, tool, approval, progress, plan] = sink.events;
    expect(e1).toMatchObject({
      errorCode: 'E42',
      toolName: null,
      approvalStatus: null,
      agentId: null,
    });
    expect(e2?.errorCode).toBe('500');
    expect(tool?.toolName).toBe('search');
    expect(approval?.approvalStatus).toBe('approved');
    expect(progress).toMatchObject({ errorCode: null, toolName: null });
    expect(plan).toMatchObject({ id: id.toLowerCase(), toolName: 'explicit', payloadJson: '{}' });
    expect(plan?.occurredAt.getTime()).toBe(0);
    expect(plan?.createdAt.getTime()).toBeGreaterThan(0);
    expect(e1?.occurredAt).toBe(e1?.createdAt);
  });
});

describe('priority', () => {
  it('takes -0 as 0, the value Postgres stores (found by the round-trip property)', async () => {
    const sink = new MemorySink();
    const logger = new EventLogger({ sinks: [sink] });
    await logger.logEvent({ ...valid, priority: -0 });
    await logger.close();
    expect(Object.is(sink.events[0]?.priority, 0)).toBe(true);
  });
});
