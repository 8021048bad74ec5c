import { describe, expect, it, vi } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { Closer, type Deadline } from '../../src/lifecycle/close.js';
import { Durations } from '../../src/lifecycle/durations.js';
import { retry } from '../../src/retry/retry.js';

describe('Closer', () => {
  it('runs once and returns the same promise on every call, whatever options come later', async () => {
    const closer = new Closer<{ timedOut: boolean }>(1000);
    const run = vi.fn(async () => ({ timedOut: false }));
    const first = closer.close(undefined, run);
    expect(closer.close({ timeoutMs: 5 }, run)).toBe(first);
    expect(closer.close('nonsense', run)).toBe(first);
    await first;
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('refuses bad options without closing', async () => {
    const closer = new Closer<{ timedOut: boolean }>(1000);
    const run = vi.fn(async () => ({ timedOut: false }));
    await expect(closer.close({ timeotMs: 5 }, run)).rejects.toMatchObject({
      field: 'options.timeotMs',
      code: 'VALIDATION_UNKNOWN',
    });
    await expect(closer.close('x', run)).rejects.toBeInstanceOf(ValidationError);
    await expect(closer.close({ timeoutMs: -1 }, run)).rejects.toBeInstanceOf(ValidationError);
    expect(closer.closed).toBe(false);
    expect(run).not.toHaveBeenCalled();
  });

  it('gives the run a deadline that aborts at timeoutMs, or at once when the signal is aborted', async () => {
    const seen: Deadline[] = [];
    const run = async (d: Deadline) => {
      seen.push(d);
      if (!d.signal.aborted) {
        await new Promise((resolve) => d.signal.addEventListener('abort', resolve, { once: true }));
      }
      return { timedOut: true };
    };
    const started = performance.now();
    await new Closer<{ timedOut: boolean }>(10_000).close({ timeoutMs: 50 }, run);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(seen[0]?.remainingMs).toBe(0);
    const aborted = new AbortController();
    aborted.abort();
    const quick = performance.now();
    await new Closer<{ timedOut: boolean }>(10_000).close({ signal: aborted.signal }, run);
    expect(performance.now() - quick).toBeLessThan(1000);
    expect(seen[1]?.abortedByCaller).toBe(true);
  });
});

describe('Durations', () => {
  it('reports percentiles of the latest 1000 and the count of all', () => {
    const d = new Durations();
    expect(d.snapshot()).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
    for (let i = 1; i <= 1100; i++) d.record(i);
    const s = d.snapshot();
    expect(s.count).toBe(1100);
    expect(s.max).toBe(1100);
    expect(s.p50).toBe(600);
    expect(s.p99).toBe(1090);
  });
});

describe('retry', () => {
  const backoff = { retries: 3, minDelayMs: 1, maxDelayMs: 4, factor: 2, jitter: 'none' } as const;

  it('tries again while retries remain and shouldRetry agrees, then throws the last error', async () => {
    let calls = 0;
    const failures: number[] = [];
    await expect(
      retry(
        async () => {
          calls += 1;
          throw new Error(`attempt ${calls}`);
        },
        { backoff, shouldRetry: (_, n) => failures.push(n) > 0 },
      ),
    ).rejects.toThrow('attempt 4');
    expect(failures).toEqual([1, 2, 3]);
    expect(
      await retry(async (n) => (n < 2 ? Promise.reject(new Error('x')) : n), {
        backoff,
        shouldRetry: () => true,
      }),
    ).toBe(2);
  });

  it('stops when shouldRetry says no, or when the signal aborts during a pause', async () => {
    let calls = 0;
    await expect(
      retry(async () => Promise.reject(new Error(`n${++calls}`)), {
        backoff,
        shouldRetry: () => false,
      }),
    ).rejects.toThrow('n1');
    const controller = new AbortController();
    calls = 0;
    const slow = { ...backoff, minDelayMs: 60_000, maxDelayMs: 60_000 };
    const pending = retry(async () => Promise.reject(new Error(`m${++calls}`)), {
      backoff: slow,
      shouldRetry: () => true,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toThrow('m1');
  });
});
