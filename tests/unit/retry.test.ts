import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventLogger, MemorySink, SinkWriteError } from '../../src/index.js';
import { FakeSink, FatalError, makeEvent, TransientError } from '../helpers/fake-sink.js';

describe('retry of transient errors', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries after 1, 2 and 4 ms by default, then succeeds', async () => {
    const sink = new FakeSink();
    sink.failNext.push(new TransientError('a'), new TransientError('b'), new TransientError('c'));
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    const retries: { attempt: number; at: number }[] = [];
    const start = Date.now();
    logger.on('retry', ({ attempt }) => retries.push({ attempt, at: Date.now() - start }));
    await logger.logEvent(makeEvent());
    await vi.advanceTimersByTimeAsync(100); // flush interval: first attempt fails at t=100
    expect(sink.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2);
    expect(sink.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(3);
    expect(sink.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls).toHaveLength(4);
    expect(sink.written).toHaveLength(1);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3]);
    const m = logger.metrics().sinks.fake;
    expect(m).toMatchObject({ retries: 3, written: 1, errors: 0, fallback: 0 });
    await logger.close();
  });

  it('uses the configured retry count and delays', async () => {
    const sink = new FakeSink();
    sink.failNext.push(new TransientError('a'), new TransientError('b'));
    const logger = new EventLogger({
      sinks: [sink],
      fallback: null,
      retry: { retries: 5, minDelayMs: 10, factor: 3 },
    });
    await logger.logEvent(makeEvent());
    await vi.advanceTimersByTimeAsync(100);
    await vi.advanceTimersByTimeAsync(9);
    expect(sink.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(29);
    expect(sink.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.written).toHaveLength(1);
    await logger.close();
  });

  it('gives up after the last retry and hands the batch to the fallback with the error', async () => {
    const sink = new FakeSink();
    sink.failNext.push(...Array.from({ length: 4 }, () => new TransientError('down')));
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [sink], fallback });
    const errors: unknown[] = [];
    logger.on('error', (e) => errors.push(e));
    for (let i = 0; i < 3; i++) await logger.logEvent(makeEvent(i));
    await vi.advanceTimersByTimeAsync(200);
    expect(sink.calls).toEqual([3, 3, 3, 3]);
    expect(fallback.events).toHaveLength(3);
    expect(fallback.lastFailure?.sink).toBe('fake');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SinkWriteError);
    expect(errors[0]).toMatchObject({ sink: 'fake', size: 3, code: 'SINK_WRITE' });
    expect((errors[0] as SinkWriteError).cause).toBeInstanceOf(TransientError);
    await logger.close();
  });

  it('does not retry a permanent error', async () => {
    const sink = new FakeSink();
    sink.failNext.push(new FatalError('no such table'));
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [sink], fallback });
    await logger.logEvent(makeEvent());
    await vi.advanceTimersByTimeAsync(200);
    expect(sink.calls).toEqual([1]);
    expect(fallback.events).toHaveLength(1);
    expect(logger.metrics().sinks.fake).toMatchObject({ retries: 0, errors: 1, fallback: 1 });
    await logger.close();
  });

  it('treats a write that exceeds writeTimeoutMs as transient and retries it', async () => {
    const sink = new FakeSink();
    sink.stuck = true;
    const logger = new EventLogger({ sinks: [sink], fallback: null, writeTimeoutMs: 50 });
    await logger.logEvent(makeEvent());
    await vi.advanceTimersByTimeAsync(100 + 50);
    expect(sink.lastSignal?.aborted).toBe(true);
    sink.stuck = false;
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls).toHaveLength(2);
    expect(sink.written).toHaveLength(1);
    expect(logger.metrics().sinks.fake?.retries).toBe(1);
    await logger.close();
  });

  it('survives a sink that throws synchronously or throws a non-Error', async () => {
    const fallback = new MemorySink({ name: 'fallback' });
    const sink = {
      name: 'weird',
      calls: 0,
      write(): Promise<void> {
        this.calls += 1;
        if (this.calls === 1) throw new Error('sync throw');
        return Promise.reject('a string');
      },
    };
    const logger = new EventLogger({ sinks: [sink], fallback });
    await logger.logEvent(makeEvent(1));
    await vi.advanceTimersByTimeAsync(150);
    await logger.logEvent(makeEvent(2));
    await vi.advanceTimersByTimeAsync(150);
    expect(fallback.events.map((e) => e.payload.i)).toEqual([1, 2]);
    await logger.logEvent(makeEvent(3));
    expect(logger.metrics().sinks.weird).toMatchObject({ errors: 2, fallback: 2, queueDepth: 1 });
    await logger.close({ timeoutMs: 0 });
  });
});
