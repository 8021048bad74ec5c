import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { closestKey } from '../../src/options/closest.js';
import { defineOptions } from '../../src/options/schema.js';
import { boolean, integer, nested, oneOf, text } from '../../src/options/spec.js';
import { refused } from '../helpers/refused.js';

interface InnerOptions {
  readonly retries?: number;
  readonly jitter?: 'none' | 'full';
}

interface Options {
  readonly name: string;
  readonly flushIntervalMs?: number;
  readonly listen?: boolean;
  readonly inner?: InnerOptions;
  readonly limit?: number | null;
}

const inner = defineOptions<InnerOptions>()('InnerOptions', {
  retries: integer({ min: 0, infinite: true }).default(3),
  jitter: oneOf(['none', 'full']).default('none'),
});

const schema = defineOptions<Options>()(
  'Options',
  {
    name: text(),
    flushIntervalMs: integer({ min: 0 }).default(100),
    listen: boolean().default(true),
    inner: nested(inner).default({ retries: 3, jitter: 'none' }),
    limit: integer({ min: 1 }).nullable().default(10),
  },
  (resolved, given, field) => {
    if (
      given.limit !== undefined &&
      resolved.limit !== null &&
      resolved.limit < resolved.flushIntervalMs
    ) {
      throw new ValidationError(
        `${field}.limit`,
        'VALIDATION_RANGE',
        'must be at least flushIntervalMs',
      );
    }
    return resolved;
  },
);

describe('options resolved from a table of specs', () => {
  it('fills in defaults and keeps what is given', () => {
    expect(schema.resolve({ name: 'a' })).toEqual({
      name: 'a',
      flushIntervalMs: 100,
      listen: true,
      inner: { retries: 3, jitter: 'none' },
      limit: 10,
    });
    expect(
      schema.resolve({ name: 'a', limit: null, inner: { retries: Number.POSITIVE_INFINITY } }),
    ).toMatchObject({
      limit: null,
      inner: { retries: Number.POSITIVE_INFINITY, jitter: 'none' },
    });
  });

  it('refuses an unknown key, naming it and the closest known one (case and one typo aside)', () => {
    const typo = refused(() => schema.resolve({ name: 'a', flushIntervalMS: 10 }));
    expect(typo).toMatchObject({ field: 'options.flushIntervalMS', code: 'VALIDATION_UNKNOWN' });
    expect(typo.message).toContain("did you mean 'flushIntervalMs'?");
    const swapped = refused(() => schema.resolve({ name: 'a', lsiten: false }));
    expect(swapped.message).toContain("did you mean 'listen'?");
    const far = refused(() => schema.resolve({ name: 'a', colour: 'red' }));
    expect(far.message).toContain('options are name, flushIntervalMs, listen, inner, limit');
    const deep = refused(() => schema.resolve({ name: 'a', inner: { retry: 1 } }));
    expect(deep).toMatchObject({ field: 'options.inner.retry', code: 'VALIDATION_UNKNOWN' });
    expect(deep.message).toContain("did you mean 'retries'?");
  });

  it('refuses a missing or non-object options argument with a ValidationError, never a TypeError', () => {
    expect(refused(() => schema.resolve(undefined))).toMatchObject({
      field: 'options',
      code: 'VALIDATION_REQUIRED',
    });
    for (const bad of [null, 'x', 42, [], () => {}]) {
      expect(refused(() => schema.resolve(bad))).toMatchObject({
        field: 'options',
        code: 'VALIDATION_TYPE',
      });
    }
    // Nothing required: no options at all is every default.
    expect(inner.resolve(undefined)).toEqual({ retries: 3, jitter: 'none' });
  });

  it('names the field of a wrong type or an out-of-range value', () => {
    expect(refused(() => schema.resolve({ name: 'a', flushIntervalMs: '10' }))).toMatchObject({
      field: 'options.flushIntervalMs',
      code: 'VALIDATION_TYPE',
    });
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 31, Number.POSITIVE_INFINITY]) {
      expect(refused(() => schema.resolve({ name: 'a', flushIntervalMs: bad }))).toMatchObject({
        field: 'options.flushIntervalMs',
        code: 'VALIDATION_RANGE',
      });
    }
    expect(refused(() => schema.resolve({ name: '' }))).toMatchObject({
      field: 'options.name',
      code: 'VALIDATION_RANGE',
    });
    expect(refused(() => schema.resolve({ listen: true }))).toMatchObject({
      field: 'options.name',
      code: 'VALIDATION_REQUIRED',
    });
    expect(refused(() => schema.resolve({ name: 'a', inner: { jitter: 'equal' } }))).toMatchObject({
      field: 'options.inner.jitter',
      code: 'VALIDATION_RANGE',
    });
    expect(
      refused(() => schema.resolve({ name: 'a', limit: 5, flushIntervalMs: 50 })),
    ).toMatchObject({
      field: 'options.limit',
    });
  });

  it('turns a getter or proxy that throws into a ValidationError', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('boom');
        },
      },
    );
    expect(refused(() => schema.resolve(hostile))).toMatchObject({ code: 'VALIDATION_UNREADABLE' });
    const getter = {
      get name() {
        throw new Error('boom');
      },
    };
    expect(refused(() => schema.resolve(getter))).toMatchObject({ code: 'VALIDATION_UNREADABLE' });
  });

  it('layers options over a base: what is not given comes from the base, not the defaults', () => {
    const base = schema.resolve({ name: 'base', flushIntervalMs: 5, inner: { retries: 9 } });
    expect(
      schema.resolve({ listen: false, inner: { jitter: 'full' } }, 'options.sinks[0]', base),
    ).toEqual({
      name: 'base',
      flushIntervalMs: 5,
      listen: false,
      inner: { retries: 9, jitter: 'full' },
      limit: 10,
    });
  });

  it('documents every default as the TSDoc writes it', () => {
    expect(schema.specs.flushIntervalMs?.documentedDefault).toBe('100');
    expect(schema.specs.inner?.documentedDefault).toBe("{ retries: 3, jitter: 'none' }");
    expect(schema.specs.name?.documentedDefault).toBeUndefined();
    expect(schema.defaults).toMatchObject({ flushIntervalMs: 100, listen: true });
  });

  it('suggests only a key close enough to be a typo', () => {
    expect(closestKey('batchsize', ['batchSize', 'flushIntervalMs'])).toBe('batchSize');
    expect(closestKey('timeout', ['timeoutMs', 'signal'])).toBe('timeoutMs');
    expect(closestKey('zzz', ['timeoutMs', 'signal'])).toBeUndefined();
    // The same key in another case wins over a shorter key it starts with.
    expect(closestKey('cacheTTLMs', ['cache', 'cacheTtlMs'])).toBe('cacheTtlMs');
  });
});
