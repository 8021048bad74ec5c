import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { type Backoff, backoffDelay, backoffSpec } from '../../src/retry/backoff.js';

const exact: Backoff = {
  retries: 10,
  minDelayMs: 100,
  factor: 2,
  maxDelayMs: 1000,
  jitter: 'none',
};

describe('backoff', () => {
  it('grows exponentially from minDelayMs and stops at maxDelayMs', () => {
    const delays = [1, 2, 3, 4, 5, 6, 50, 5000].map((n) => backoffDelay(n, exact));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  });

  it('equal jitter stays within [delay/2, delay], so below the cap delays never shrink from one attempt to the next', () => {
    const equal = { ...exact, jitter: 'equal' } as const;
    expect(backoffDelay(3, equal, () => 0)).toBe(200);
    expect(backoffDelay(3, equal, () => 0.999999)).toBeCloseTo(400, 3);
    for (let n = 1; n < 4; n++) {
      expect(backoffDelay(n + 1, equal, () => 0)).toBeGreaterThanOrEqual(
        backoffDelay(n, equal, () => 0.999999),
      );
    }
  });

  it('full jitter spreads the delay over [0, delay]', () => {
    const full = { ...exact, jitter: 'full' } as const;
    expect(backoffDelay(4, full, () => 0)).toBe(0);
    expect(backoffDelay(4, full, () => 0.5)).toBe(400);
    const samples = Array.from({ length: 1000 }, () => backoffDelay(4, full));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThanOrEqual(800);
  });

  it('never returns NaN, even with a zero first delay and a huge attempt count', () => {
    expect(backoffDelay(100_000, { ...exact, minDelayMs: 0 })).toBe(0);
    expect(backoffDelay(100_000, { ...exact, factor: 10 })).toBe(1000);
  });

  it('resolves a partial option over its defaults, and refuses a cap below the first delay', () => {
    const spec = backoffSpec(exact);
    expect(spec.resolve(undefined, 'options.retry')).toEqual(exact);
    expect(spec.resolve({ retries: Number.POSITIVE_INFINITY }, 'options.retry')).toEqual({
      ...exact,
      retries: Number.POSITIVE_INFINITY,
    });
    expect(spec.resolve({ minDelayMs: 5000 }, 'options.retry').maxDelayMs).toBe(5000);
    expect(() => spec.resolve({ minDelayMs: 500, maxDelayMs: 100 }, 'options.retry')).toThrow(
      expect.objectContaining({ field: 'options.retry.maxDelayMs', code: 'VALIDATION_RANGE' }),
    );
    expect(() => spec.resolve({ jitter: true }, 'options.retry')).toThrow(ValidationError);
    expect(() => spec.resolve({ retry: 3 }, 'options.retry')).toThrow(
      expect.objectContaining({ field: 'options.retry.retry', code: 'VALIDATION_UNKNOWN' }),
    );
  });
});
