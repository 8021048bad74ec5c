import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EventLogger,
  type EventRecord,
  MemorySink,
  PartialWriteError,
  type SinkErrorKind,
} from '../../src/index.js';
import { FakeSink, FatalError, makeEvent, TransientError } from '../helpers/fake-sink.js';

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
    const fallback = new MemorySink({ name: 'fallback' });
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
    const fallback = new MemorySink({ name: 'fallback' });
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

describe('partial writes', () => {
  it('retries only the events a sink reports as failed, and counts the rest as written', async () => {
    const fallback = new MemorySink({ name: 'fallback' });
    let calls = 0;
    const sizes: number[] = [];
    const written: number[] = [];
    const sink = {
      name: 'broker',
      async write(batch: readonly EventRecord[]) {
        calls += 1;
        sizes.push(batch.length);
        const refused = calls === 1 ? batch.filter((e) => Number(e.payload.i) % 10 === 0) : [];
        for (const e of batch) if (!refused.includes(e)) written.push(e.payload.i as number);
        if (refused.length > 0) throw new PartialWriteError(refused, new TransientError('nacked'));
      },
      classifyError: (e: unknown) => (e as { kind?: SinkErrorKind }).kind ?? 'permanent',
    };
    const logger = new EventLogger({ sinks: [sink], fallback });
    for (let i = 0; i < 100; i++) await logger.logEvent(makeEvent(i));
    const summary = await logger.close();
    expect(sizes).toEqual([100, 10]);
    expect(written.sort((a, b) => a - b)).toEqual([...Array(100).keys()]);
    expect(summary.sinks.broker).toEqual({ received: 100, written: 100, fallback: 0, dropped: 0 });
    expect(logger.metrics().sinks.broker).toMatchObject({ retries: 1, batches: 2 });
  });

  it('hands events refused for good to the fallback, and only those', async () => {
    const fallback = new MemorySink({ name: 'fallback' });
    const sink = {
      name: 'broker',
      async write(batch: readonly EventRecord[]) {
        const refused = batch.filter((e) => e.payload.i === 7);
        if (refused.length > 0) throw new PartialWriteError(refused, new FatalError('unroutable'));
      },
      classifyError: (e: unknown) => (e as { kind?: SinkErrorKind }).kind ?? 'permanent',
    };
    const logger = new EventLogger({ sinks: [sink], fallback });
    for (let i = 0; i < 20; i++) await logger.logEvent(makeEvent(i));
    const summary = await logger.close();
    expect(fallback.events.map((e) => e.payload.i)).toEqual([7]);
    expect(summary.sinks.broker).toEqual({ received: 20, written: 19, fallback: 1, dropped: 0 });
  });
});
