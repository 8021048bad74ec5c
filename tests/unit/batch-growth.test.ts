import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_PIPELINE_OPTIONS, EventLogger } from '../../src/index.js';
import { deferred, FakeSink, makeEvent } from '../helpers/fake-sink.js';

describe('batches that grow with the backlog (maxBatchSize)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('defaults to a trigger of 100 and writes of up to 1000', () => {
    expect(DEFAULT_PIPELINE_OPTIONS.flushSize).toBe(100);
    expect(DEFAULT_PIPELINE_OPTIONS.maxBatchSize).toBe(1000);
  });

  it('writes a burst of 2500 in three writes at the defaults, without waiting for the timer', async () => {
    const sink = new FakeSink();
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    for (let i = 0; i < 2500; i++) await logger.logEvent(makeEvent(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toEqual([1000, 1000, 500]);
    expect(sink.written.map((e) => e.payload.i)).toEqual([...Array(2500).keys()]);
    await logger.close();
  });

  it('still writes a lone event once flushIntervalMs has passed, and not before', async () => {
    const sink = new FakeSink();
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    await logger.logEvent(makeEvent());
    await vi.advanceTimersByTimeAsync(DEFAULT_PIPELINE_OPTIONS.flushIntervalMs - 1);
    expect(sink.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.calls).toEqual([1]);
    await logger.close();
  });

  it('writes a small batch at the trigger, then the backlog that piled up behind it in one write', async () => {
    const sink = new FakeSink();
    const gate = deferred();
    sink.gate = gate.promise;
    const logger = new EventLogger({ sinks: [sink], fallback: null, flushSize: 10 });
    for (let i = 0; i < 10; i++) await logger.logEvent(makeEvent(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toEqual([10]);
    for (let i = 10; i < 700; i++) await logger.logEvent(makeEvent(i));
    sink.gate = undefined;
    gate.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toEqual([10, 690]);
    expect(sink.written.map((e) => e.payload.i)).toEqual([...Array(700).keys()]);
    await logger.close();
  });

  it('never takes more than maxBatchSize in one write', async () => {
    const sink = new FakeSink();
    const logger = new EventLogger({
      sinks: [{ sink, flushSize: 10, maxBatchSize: 300 }],
      fallback: null,
    });
    for (let i = 0; i < 700; i++) await logger.logEvent(makeEvent(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toEqual([300, 300, 100]);
    await logger.close();
  });

  it('raises maxBatchSize to a batchSize given above it', async () => {
    const sink = new FakeSink();
    const logger = new EventLogger({ sinks: [sink], fallback: null, flushSize: 1500 });
    for (let i = 0; i < 3200; i++) await logger.logEvent(makeEvent(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.calls).toEqual([1500, 1500]);
    await vi.advanceTimersByTimeAsync(DEFAULT_PIPELINE_OPTIONS.flushIntervalMs);
    expect(sink.calls).toEqual([1500, 1500, 200]);
    await logger.close();
  });

  it('keeps maxQueueSize as the bound of what is queued while a big write is in flight', async () => {
    const sink = new FakeSink();
    const gate = deferred();
    sink.gate = gate.promise;
    const logger = new EventLogger({
      sinks: [sink],
      fallback: null,
      flushSize: 10,
      maxQueueSize: 50,
      overflow: 'drop-newest',
    });
    for (let i = 0; i < 200; i++) await logger.logEvent(makeEvent(i));
    await vi.advanceTimersByTimeAsync(0);
    // The write took the 50 queued (a full queue, not 1000); 150 found no room.
    expect(sink.calls).toEqual([50]);
    for (let i = 200; i < 300; i++) await logger.logEvent(makeEvent(i));
    const metrics = logger.metrics().sinks.fake;
    expect(metrics?.queueDepth).toBe(50);
    expect(metrics?.inFlight).toBe(50);
    expect(metrics?.dropped).toBe(200);
    sink.gate = undefined;
    gate.resolve();
    const summary = await logger.close();
    expect(summary.sinks.fake).toMatchObject({ received: 300, written: 100, dropped: 200 });
  });
});
