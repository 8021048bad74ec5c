import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { FakeSink, makeEvent } from '../helpers/fake-sink.js';

describe('isolation of refused rows', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('one refused event in a batch of 100: 99 written, 1 in the fallback', async () => {
    const sink = new FakeSink();
    sink.rejectEvent = (e) => e.payload.i === 42;
    const fallback = new MemorySink('fallback');
    const logger = new EventLogger({ sinks: [sink], fallback });
    for (let i = 0; i < 100; i++) await logger.logEvent(makeEvent(i));
    await logger.flush();
    expect(sink.written).toHaveLength(99);
    expect(sink.written.some((e) => e.payload.i === 42)).toBe(false);
    expect(fallback.events.map((e) => e.payload.i)).toEqual([42]);
    expect(fallback.lastFailure?.sink).toBe('fake');
    // Bisection: about 2·log2(100) writes, not 100.
    expect(sink.calls.length).toBeLessThanOrEqual(16);
    expect(logger.metrics().sinks.fake).toMatchObject({
      written: 99,
      fallback: 1,
      errors: 1,
      retries: 0,
    });
    await logger.close();
  });

  it('several refused events are each isolated; their neighbours are written', async () => {
    const sink = new FakeSink();
    const bad = new Set([0, 17, 18, 99]);
    sink.rejectEvent = (e) => bad.has(e.payload.i as number);
    const fallback = new MemorySink('fallback');
    const logger = new EventLogger({ sinks: [sink], fallback });
    for (let i = 0; i < 100; i++) await logger.logEvent(makeEvent(i));
    const summary = await logger.close();
    expect(fallback.events.map((e) => e.payload.i).sort((a, b) => Number(a) - Number(b))).toEqual([
      0, 17, 18, 99,
    ]);
    expect(summary.sinks.fake).toEqual({ received: 100, written: 96, fallback: 4, dropped: 0 });
  });

  it('counts events as dropped when the fallback fails too', async () => {
    const sink = new FakeSink();
    sink.rejectEvent = () => true;
    const fallback = new FakeSink('broken-fallback');
    fallback.rejectEvent = () => true;
    const logger = new EventLogger({ sinks: [sink], fallback });
    const reasons: string[] = [];
    logger.on('drop', ({ reason }) => reasons.push(reason));
    await logger.logEvent(makeEvent());
    const summary = await logger.close();
    expect(summary.sinks.fake).toEqual({ received: 1, written: 0, fallback: 0, dropped: 1 });
    expect(reasons).toEqual(['fallback-failed']);
  });
});
