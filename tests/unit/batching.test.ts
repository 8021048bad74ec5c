import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { FakeSink, makeEvent } from '../helpers/fake-sink.js';

describe('batching', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes 250 events as batches of 100, 100 and 50', async () => {
    const sink = new FakeSink();
    const logger = new EventLogger({ sinks: [sink], fallback: null, maxBatchSize: 100 });
    for (let i = 0; i < 250; i++) await logger.logEvent(makeEvent(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toEqual([100, 100]);
    await vi.advanceTimersByTimeAsync(100);
    expect(sink.calls).toEqual([100, 100, 50]);
    expect(sink.written.map((e) => e.payload.i)).toEqual([...Array(250).keys()]);
    await logger.close();
  });

  it('writes a lone event once flushIntervalMs has passed, not before', async () => {
    const sink = new FakeSink();
    const logger = new EventLogger({ sinks: [sink], fallback: null, flushIntervalMs: 100 });
    await logger.logEvent(makeEvent());
    await vi.advanceTimersByTimeAsync(99);
    expect(sink.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls).toEqual([1]);
    await logger.close();
  });

  it('logEvent resolves before any write happens, with the event id', async () => {
    const sink = new FakeSink();
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    const id = await logger.logEvent(makeEvent());
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sink.calls).toEqual([]);
    await logger.close();
    expect(sink.written.map((e) => e.id)).toEqual([id]);
  });

  it('keeps one write in flight per sink by default and writes what piled up next', async () => {
    const sink = new FakeSink();
    let release = () => {};
    sink.gate = new Promise((r) => {
      release = r;
    });
    const logger = new EventLogger({
      sinks: [sink],
      fallback: null,
      flushSize: 10,
      maxBatchSize: 10,
    });
    for (let i = 0; i < 35; i++) await logger.logEvent(makeEvent(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toEqual([10]);
    sink.gate = undefined;
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toEqual([10, 10, 10]);
    await vi.advanceTimersByTimeAsync(100);
    expect(sink.calls).toEqual([10, 10, 10, 5]);
    await logger.close();
  });

  it('runs up to `concurrency` writes at once', async () => {
    const sink = new FakeSink();
    sink.gate = new Promise(() => {});
    const logger = new EventLogger({
      sinks: [sink],
      fallback: null,
      flushSize: 10,
      maxBatchSize: 10,
      writesInFlight: 3,
    });
    for (let i = 0; i < 50; i++) await logger.logEvent(makeEvent(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toEqual([10, 10, 10]);
    expect(logger.metrics().sinks.fake?.inFlight).toBe(30);
    const closing = logger.close({ timeoutMs: 10 });
    await vi.advanceTimersByTimeAsync(10);
    expect((await closing).timedOut).toBe(true);
  });

  it('logEvents accepts a list and resolves with the ids in order', async () => {
    const sink = new MemorySink();
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    const ids = await logger.logEvents([makeEvent(1), makeEvent(2), makeEvent(3)]);
    await logger.flush();
    expect(sink.events.map((e) => e.id)).toEqual(ids);
    expect(sink.writes).toBe(1);
    await logger.close();
  });
});
