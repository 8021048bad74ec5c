import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventLogger } from '../../src/index.js';
import { deferred, FakeSink, makeEvent } from '../helpers/fake-sink.js';

describe('overflow policies', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("'block' makes logEvent wait for room, and loses nothing", async () => {
    const sink = new FakeSink();
    const gate = deferred();
    sink.gate = gate.promise;
    const logger = new EventLogger({
      sinks: [sink],
      fallback: null,
      flushSize: 5,
      maxQueueSize: 10,
    });
    // 5 go into the first (stuck) write, 10 fill the queue, the 16th has to wait.
    for (let i = 0; i < 15; i++) {
      await logger.logEvent(makeEvent(i));
      await vi.advanceTimersByTimeAsync(0);
    }
    let resolved = false;
    const blocked = logger.logEvent(makeEvent(15)).then(() => {
      resolved = true;
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(resolved).toBe(false);
    expect(logger.metrics().sinks.fake?.queueDepth).toBe(11);
    sink.gate = undefined;
    gate.resolve();
    // Blocked callers are woken on the next turn of the event loop.
    await vi.advanceTimersByTimeAsync(0);
    await blocked;
    expect(resolved).toBe(true);
    const summary = await logger.close();
    expect(summary.sinks.fake).toEqual({ received: 16, written: 16, fallback: 0, dropped: 0 });
    expect(sink.written.map((e) => e.payload.i)).toEqual([...Array(16).keys()]);
  });

  it("'drop-newest' refuses new events while full, counting and emitting each drop", async () => {
    const sink = new FakeSink();
    const gate = deferred();
    sink.gate = gate.promise;
    const logger = new EventLogger({
      sinks: [sink],
      fallback: null,
      flushSize: 5,
      maxQueueSize: 10,
      overflow: 'drop-newest',
    });
    const drops: number[] = [];
    logger.on('drop', ({ events, reason }) => {
      expect(reason).toBe('overflow-newest');
      drops.push(...events.map((e) => e.payload.i as number));
    });
    for (let i = 0; i < 20; i++) {
      await logger.logEvent(makeEvent(i));
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(drops).toEqual([15, 16, 17, 18, 19]);
    sink.gate = undefined;
    gate.resolve();
    const summary = await logger.close();
    expect(summary.sinks.fake).toEqual({ received: 20, written: 15, fallback: 0, dropped: 5 });
    expect(sink.written.map((e) => e.payload.i)).toEqual([...Array(15).keys()]);
  });

  it("'drop-oldest' discards the oldest queued event to make room", async () => {
    const sink = new FakeSink();
    const gate = deferred();
    sink.gate = gate.promise;
    const logger = new EventLogger({
      sinks: [sink],
      fallback: null,
      flushSize: 5,
      maxQueueSize: 10,
      overflow: 'drop-oldest',
    });
    const drops: number[] = [];
    logger.on('drop', ({ events }) => drops.push(...events.map((e) => e.payload.i as number)));
    for (let i = 0; i < 20; i++) {
      await logger.logEvent(makeEvent(i));
      await vi.advanceTimersByTimeAsync(0);
    }
    // 0-4 are in the stuck write; 5-9 were pushed out by 15-19.
    expect(drops).toEqual([5, 6, 7, 8, 9]);
    expect(logger.metrics().sinks.fake?.dropped).toBe(5);
    sink.gate = undefined;
    gate.resolve();
    await logger.close();
    expect(sink.written.map((e) => e.payload.i)).toEqual([
      0,
      1,
      2,
      3,
      4,
      ...Array.from({ length: 10 }, (_, k) => k + 10),
    ]);
  });

  it('applies the policy per sink: a stuck sink with drop-newest does not block a healthy one', async () => {
    const healthy = new FakeSink('healthy');
    const stuck = new FakeSink('stuck');
    stuck.stuck = true;
    const logger = new EventLogger({
      sinks: [healthy, { sink: stuck, overflow: 'drop-newest', maxQueueSize: 10 }],
      fallback: null,
      flushSize: 10,
    });
    for (let i = 0; i < 1000; i++) await logger.logEvent(makeEvent(i));
    await vi.advanceTimersByTimeAsync(200);
    expect(healthy.written).toHaveLength(1000);
    // The burst arrives before the first write starts: 10 fill the queue, 990 are refused.
    expect(logger.metrics().sinks.stuck?.dropped).toBe(990);
    const closing = logger.close({ timeoutMs: 50 });
    await vi.advanceTimersByTimeAsync(50);
    const summary = await closing;
    expect(summary.sinks.healthy).toEqual({
      received: 1000,
      written: 1000,
      fallback: 0,
      dropped: 0,
    });
    // The 10 in the stuck write had no fallback at the deadline: dropped too.
    expect(summary.sinks.stuck).toEqual({ received: 1000, written: 0, fallback: 0, dropped: 1000 });
  });
});
