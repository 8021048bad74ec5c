import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  deferred,
  settledWithin,
  shutdownBudget,
  unlessAborted,
  within,
} from '../../src/async/wait.js';

describe('within', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves with the value when the work finishes in time', async () => {
    const work = deferred();
    const waiting = within(work.promise, { timeoutMs: 1000 });
    await vi.advanceTimersByTimeAsync(999);
    work.resolve();
    await expect(waiting).resolves.toEqual({ done: true, value: undefined });
  });

  it('gives up at the deadline, and hands a late value over', async () => {
    let resolve: (value: string) => void = () => {};
    const work = new Promise<string>((r) => {
      resolve = r;
    });
    const late = vi.fn();
    const waiting = within(work, { timeoutMs: 1000, late });
    await vi.advanceTimersByTimeAsync(1000);
    await expect(waiting).resolves.toEqual({ done: false });
    resolve('channel');
    await vi.advanceTimersByTimeAsync(0);
    expect(late).toHaveBeenCalledWith('channel');
  });

  it('gives up when the signal aborts, and ignores an error that comes later', async () => {
    const controller = new AbortController();
    let reject: (error: Error) => void = () => {};
    const work = new Promise<void>((_, r) => {
      reject = r;
    });
    const waiting = within(work, { signal: controller.signal });
    controller.abort(new Error('deadline'));
    await expect(waiting).resolves.toEqual({ done: false });
    reject(new Error('too late'));
    await vi.advanceTimersByTimeAsync(0);
  });

  it('with a signal aborted already, still counts work that settles in this turn', async () => {
    const controller = new AbortController();
    controller.abort();
    const quick = within(Promise.resolve(7), { signal: controller.signal });
    const slow = within(deferred().promise, { signal: controller.signal });
    await vi.advanceTimersByTimeAsync(0);
    await expect(quick).resolves.toEqual({ done: true, value: 7 });
    await expect(slow).resolves.toEqual({ done: false });
  });

  it("rejects with the work's own error", async () => {
    await expect(within(Promise.reject(new Error('boom')), { timeoutMs: 10 })).rejects.toThrow(
      'boom',
    );
  });
});

describe('settledWithin and unlessAborted', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settledWithin: true for work that failed in time, false for work that never ends', async () => {
    await expect(settledWithin(Promise.reject(new Error('x')), { timeoutMs: 5 })).resolves.toBe(
      true,
    );
    await expect(settledWithin(undefined, { timeoutMs: 5 })).resolves.toBe(true);
    const never = settledWithin(deferred().promise, { timeoutMs: 5 });
    await vi.advanceTimersByTimeAsync(5);
    await expect(never).resolves.toBe(false);
  });

  it("unlessAborted: the work's value, or the signal's reason when it aborts first", async () => {
    const controller = new AbortController();
    await expect(unlessAborted(Promise.resolve(1), controller.signal)).resolves.toBe(1);
    const waiting = unlessAborted(deferred().promise, controller.signal);
    controller.abort(new Error('write timed out'));
    await expect(waiting).rejects.toThrow('write timed out');
    await expect(unlessAborted(Promise.resolve(1), controller.signal)).rejects.toThrow(
      'write timed out',
    );
  });
});

describe('shutdownBudget', () => {
  it('keeps a quarter of the deadline, at most one second, for what follows the cut', () => {
    expect(shutdownBudget(400)).toEqual({ workMs: 300, reserveMs: 100 });
    expect(shutdownBudget(10_000)).toEqual({ workMs: 9000, reserveMs: 1000 });
    expect(shutdownBudget(0)).toEqual({ workMs: 0, reserveMs: 0 });
  });
});
