import { describe, expect, it } from 'vitest';
import { ClosedError, CloseTimeoutError, EventLogger, MemorySink } from '../../src/index.js';
import { FakeSink, makeEvent } from '../helpers/fake-sink.js';

describe('close()', () => {
  it('drains everything queued, closes the sinks, and is idempotent', async () => {
    const sink = new FakeSink();
    const logger = new EventLogger({ sinks: [sink], fallback: null, flushIntervalMs: 60_000 });
    for (let i = 0; i < 1234; i++) await logger.logEvent(makeEvent(i));
    const first = logger.close();
    const second = logger.close();
    expect(second).toBe(first);
    const summary = await first;
    expect(summary).toEqual({
      timedOut: false,
      sinks: { fake: { received: 1234, written: 1234, fallback: 0, dropped: 0 } },
    });
    expect(sink.written).toHaveLength(1234);
    expect(sink.closed).toBe(1);
    expect(await logger.close()).toBe(summary);
    expect(logger.closed).toBe(true);
  });

  it("rejects logEvent and logEvents after close with ClosedError('EventLogger')", async () => {
    const logger = new EventLogger({ sinks: [new MemorySink()], fallback: null });
    void logger.close();
    await expect(logger.logEvent(makeEvent())).rejects.toBeInstanceOf(ClosedError);
    await expect(logger.logEvents([makeEvent()])).rejects.toMatchObject({
      code: 'CLOSED',
      part: 'EventLogger',
    });
  });

  it('at the deadline, hands what a stuck sink holds to the fallback and reports exact counts', async () => {
    const stuck = new FakeSink('stuck');
    stuck.stuck = true;
    const healthy = new MemorySink({ name: 'healthy' });
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [stuck, healthy], fallback, flushSize: 100 });
    for (let i = 0; i < 250; i++) await logger.logEvent(makeEvent(i));
    const started = Date.now();
    const summary = await logger.close({ timeoutMs: 200 });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(2000);
    expect(summary.timedOut).toBe(true);
    expect(summary.sinks.stuck).toEqual({ received: 250, written: 0, fallback: 250, dropped: 0 });
    expect(summary.sinks.healthy).toEqual({ received: 250, written: 250, fallback: 0, dropped: 0 });
    expect(fallback.events).toHaveLength(250);
    expect(new Set(fallback.events.map((e) => e.id)).size).toBe(250);
    expect(fallback.lastFailure?.error).toBeInstanceOf(CloseTimeoutError);
    expect(stuck.lastSignal?.aborted).toBe(true);
  });

  it('an abort signal ends the wait at once, like a deadline', async () => {
    const stuck = new FakeSink('stuck');
    stuck.stuck = true;
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [stuck], fallback });
    await logger.logEvent(makeEvent());
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    const summary = await logger.close({ timeoutMs: 60_000, signal: controller.signal });
    expect(summary.timedOut).toBe(true);
    expect(summary.sinks.stuck?.fallback).toBe(1);
  });

  it('releases callers blocked on a full queue when the deadline passes', async () => {
    const stuck = new FakeSink('stuck');
    stuck.stuck = true;
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [stuck], fallback, flushSize: 2, maxQueueSize: 2 });
    const calls = Array.from({ length: 10 }, (_, i) => logger.logEvent(makeEvent(i)));
    await new Promise((r) => setImmediate(r));
    const summary = await logger.close({ timeoutMs: 50 });
    await Promise.all(calls);
    expect(summary.sinks.stuck).toEqual({ received: 10, written: 0, fallback: 10, dropped: 0 });
  });

  it('never rejects, even when a sink or the fallback throws from close() without a promise', async () => {
    const throwing = (name: string) =>
      Object.assign(new MemorySink({ name }), {
        close(): Promise<void> {
          throw new Error(`${name} cannot close`);
        },
      });
    const logger = new EventLogger({ sinks: [throwing('main')], fallback: throwing('fallback') });
    await logger.logEvent(makeEvent());
    expect(await logger.close()).toEqual({
      timedOut: false,
      sinks: { main: { received: 1, written: 1, fallback: 0, dropped: 0 } },
    });
  });

  it('works with `await using`', async () => {
    const sink = new MemorySink();
    {
      await using logger = new EventLogger({ sinks: [sink], fallback: null });
      await logger.logEvent(makeEvent());
    }
    expect(sink.events).toHaveLength(1);
  });

  it('starts nothing in its constructor, and its idle timer never holds the process', async () => {
    // Referenced timers only: what would keep a process alive.
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const sink = new FakeSink();
    // The write waits for the test: the flush below surely has a write to wait for, however
    // early the logger started it.
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const write = sink.write.bind(sink);
    sink.write = async (batch, context) => {
      await gate;
      return write(batch, context);
    };
    const logger = new EventLogger({ sinks: [sink], fallback: null, flushIntervalMs: 60_000 });
    await new Promise((r) => setImmediate(r));
    expect(timers()).toBe(before);
    expect(sink.calls).toEqual([]);
    await logger.logEvent(makeEvent());
    expect(timers()).toBe(before); // the flush interval runs, unreferenced
    const flushed = logger.flush();
    expect(timers()).toBe(before + 1); // an awaited flush holds the process
    release();
    await flushed;
    expect(timers()).toBe(before);
    await logger.close();
    expect(sink.written).toHaveLength(1);
  });
});

describe('flush()', () => {
  it('resolves once everything accepted before it is written', async () => {
    const sink = new FakeSink();
    const logger = new EventLogger({ sinks: [sink], fallback: null, flushIntervalMs: 60_000 });
    for (let i = 0; i < 150; i++) await logger.logEvent(makeEvent(i));
    await logger.flush();
    expect(sink.written).toHaveLength(150);
    await logger.flush();
    await logger.close();
  });

  it('waits for an earlier batch even when a later one finishes first', async () => {
    const sink = new FakeSink();
    let releaseFirst = () => {};
    const firstGate = new Promise<void>((r) => {
      releaseFirst = r;
    });
    let calls = 0;
    const original = sink.write.bind(sink);
    sink.write = async (batch, context) => {
      calls += 1;
      if (calls === 1) await firstGate;
      return original(batch, context);
    };
    const logger = new EventLogger({
      sinks: [sink],
      fallback: null,
      flushSize: 10,
      maxBatchSize: 10,
      writesInFlight: 2,
    });
    for (let i = 0; i < 20; i++) await logger.logEvent(makeEvent(i));
    let flushed = false;
    const flushing = logger.flush().then(() => {
      flushed = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(sink.written).toHaveLength(10);
    expect(flushed).toBe(false);
    releaseFirst();
    await flushing;
    expect(sink.written).toHaveLength(20);
    await logger.close();
  });
});
