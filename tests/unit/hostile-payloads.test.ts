/**
 * Each kind of hostile payload is refused with its own code and the payload's field, before
 * anything is queued: nesting, throwing getters and proxies, toJSON answers, too much text.
 * (The property tests try thousands of mixtures of these; this file pins each code.)
 */
import { describe, expect, it } from 'vitest';
import { EventLogger, MemorySink, normalizeEvent, ValidationError } from '../../src/index.js';

const LIMITS = { maxPayloadBytes: 1 << 30 };
const nest = (depth: number) => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value as object;
};
const fail = (payload: object) => () => {
  throw new Error(`unexpected: ${JSON.stringify(payload)}`);
};

const cases: [string, () => object, string, string][] = [
  ['nesting 100000 deep', () => nest(100_000), 'payload', 'VALIDATION_TOO_DEEP'],
  ['nesting 1001 deep', () => nest(1001), 'payload', 'VALIDATION_TOO_DEEP'],
  [
    'a getter that throws',
    () => ({
      get x(): number {
        throw new Error('boom');
      },
    }),
    'payload',
    'VALIDATION_UNREADABLE',
  ],
  [
    'a proxy whose getPrototypeOf trap throws',
    () => ({ x: new Proxy({}, { getPrototypeOf: fail({}) }) }),
    'payload',
    'VALIDATION_UNREADABLE',
  ],
  [
    'a revoked proxy',
    () => {
      const { proxy, revoke } = Proxy.revocable({}, {});
      revoke();
      return { x: proxy };
    },
    'payload',
    'VALIDATION_UNREADABLE',
  ],
  [
    'a getter that answers differently each read',
    () => {
      let reads = 0;
      return {
        get x() {
          reads += 1;
          return reads === 2 ? undefined : 'text'; // only the check's read sees a gap
        },
      };
    },
    'payload',
    'VALIDATION_UNREADABLE',
  ],
  [
    'a toJSON that answers undefined',
    () => ({
      x: new (class Gone {
        toJSON = () => undefined;
      })(),
    }),
    'payload.x.toJSON()',
    'VALIDATION_NOT_JSON',
  ],
  [
    'a toJSON that answers a Map',
    () => ({
      x: new (class Mapped {
        toJSON = () => new Map([[1, 2]]);
      })(),
    }),
    'payload.x.toJSON()',
    'VALIDATION_NOT_JSON',
  ],
  ['an invalid Date', () => ({ at: new Date(Number.NaN) }), 'payload.at', 'VALIDATION_NOT_JSON'],
  [
    'an array given the prototype of an object, with a hidden toJSON',
    () => {
      const list = Object.setPrototypeOf([1], Object.prototype) as object;
      return Object.defineProperty(list, 'toJSON', { value: () => 'other' });
    },
    'payload',
    // As for any array given as the payload: not a plain object.
    'VALIDATION_TYPE',
  ],
  [
    'an array given the prototype of an object',
    () => Object.setPrototypeOf([1, 2], Object.prototype) as object,
    'payload',
    'VALIDATION_TYPE',
  ],
  [
    'an object with a toJSON that for...in does not list',
    () => Object.defineProperty({ a: 1 }, 'toJSON', { value: () => 'other' }),
    'payload',
    'VALIDATION_NOT_JSON',
  ],
  [
    'a member object with a toJSON that for...in does not list',
    () => ({ x: Object.defineProperty({}, 'toJSON', { value: () => [1] }) }),
    'payload.x',
    'VALIDATION_NOT_JSON',
  ],
  [
    'an array with its own toJSON',
    () => ({ list: Object.assign([1, 2], { toJSON: () => 'other' }) }),
    'payload.list',
    'VALIDATION_NOT_JSON',
  ],
];

describe('hostile payloads', () => {
  it.each(cases)('%s: refused with its code, nothing queued', async (_, make, field, code) => {
    const sink = new MemorySink();
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    const call = logger.logEvent({ type: 'T', userId: 'u', payload: make() });
    expect(logger.metrics().rejected).toBe(1); // decided before anything was awaited
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect({
      field: (error as ValidationError).field,
      code: (error as ValidationError).code,
    }).toEqual({ field, code });
    await logger.logEvent({ type: 'NEIGHBOUR', userId: 'u' });
    await logger.close();
    expect(sink.events.map((e) => e.type)).toEqual(['NEIGHBOUR']);
  });

  it('refuses text longer than a string can hold as too large, not as a RangeError', () => {
    const big = 'x'.repeat(64 * 1024 * 1024);
    const attempt = () =>
      normalizeEvent({ type: 'T', userId: 'u', payload: { a: Array(9).fill(big) } }, LIMITS);
    expect(attempt).toThrow(
      expect.objectContaining({ field: 'payload', code: 'VALIDATION_TOO_LARGE' }),
    );
  }, 60_000);

  it('accepts 1000 levels, and Dates, Buffers and null-prototype objects', () => {
    for (const payload of [
      nest(999),
      { at: new Date(0), b: Buffer.from('hi') },
      Object.create(null),
    ]) {
      expect(normalizeEvent({ type: 'T', userId: 'u', payload }, LIMITS).payloadJson).toBe(
        JSON.stringify(payload),
      );
    }
  });
});
