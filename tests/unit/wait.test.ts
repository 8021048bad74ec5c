import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { deferred, waitAtMost } from '../../src/async/wait.js';

describe('waitAtMost', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves with the value when the work finishes in time', async () => {
    const work = deferred();
    const waiting = waitAtMost(work.promise, 1000, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(999);
    work.resolve();
    await expect(waiting).resolves.toEqual({ value: undefined });
  });

  it('resolves undefined at the deadline, and hands a late value over', async () => {
    let resolve: (value: string) => void = () => {};
    const work = new Promise<string>((r) => {
      resolve = r;
    });
    const late = vi.fn();
    const waiting = waitAtMost(work, 1000, new AbortController().signal, late);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(waiting).resolves.toBeUndefined();
    resolve('channel');
    await vi.advanceTimersByTimeAsync(0);
    expect(late).toHaveBeenCalledWith('channel');
  });

  it("rejects with the work's error, or with the signal's reason when it aborts first", async () => {
    const failing = waitAtMost(
      Promise.reject(new Error('boom')),
      1000,
      new AbortController().signal,
    );
    await expect(failing).rejects.toThrow('boom');
    const controller = new AbortController();
    const waiting = waitAtMost(deferred().promise, 1000, controller.signal);
    controller.abort(new Error('write timed out'));
    await expect(waiting).rejects.toThrow('write timed out');
    await expect(waitAtMost(deferred().promise, 1000, controller.signal)).rejects.toThrow(
      'write timed out',
    );
  });
});
