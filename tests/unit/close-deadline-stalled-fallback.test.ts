import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ConsoleSink, EventLogger, MemorySink, type Sink } from '../../src/index.js';
import { FakeSink, makeEvent } from '../helpers/fake-sink.js';

/** A stderr pipe nobody reads: every write is buffered, `drain` never comes. */
class StalledStream extends EventEmitter {
  lines = 0;
  write(chunk: string): boolean {
    this.lines += chunk.split('\n').length - 1;
    return false;
  }
}

/** A sink whose close() never settles. */
const neverCloses = <S extends Sink>(sink: S): S =>
  Object.assign(sink, { close: () => new Promise<void>(() => {}) });

describe('close() deadline with a fallback that never finishes', () => {
  it('returns by the deadline; events the fallback did not take count as dropped', async () => {
    const stuck = neverCloses(new FakeSink('stuck'));
    stuck.stuck = true;
    const stream = new StalledStream();
    const fallback = neverCloses(new ConsoleSink({ stream }));
    const logger = new EventLogger({ sinks: [stuck], fallback, flushSize: 50 });
    const drops: number[] = [];
    logger.on('drop', ({ events, reason }) => {
      expect(reason).toBe('fallback-failed');
      drops.push(events.length);
    });
    logger.on('error', () => {});
    for (let i = 0; i < 120; i++) await logger.logEvent(makeEvent(i));
    const started = performance.now();
    const summary = await logger.close({ timeoutMs: 300 });
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1000);
    expect(summary.timedOut).toBe(true);
    // Every event is accounted for, and none is claimed as handed over.
    expect(summary.sinks.stuck).toEqual({ received: 120, written: 0, fallback: 0, dropped: 120 });
    expect(drops.reduce((a, b) => a + b, 0)).toBe(120);
    // The lines reached the stream's buffer; the logger just cannot know they got out.
    expect(stream.lines).toBe(120);
  });

  it('a fallback write that never drains, before the deadline, is bounded by writeTimeoutMs', async () => {
    const failing = new FakeSink('failing');
    failing.rejectEvent = () => true;
    const stream = new StalledStream();
    const logger = new EventLogger({
      sinks: [failing],
      fallback: new ConsoleSink({ stream }),
      writeTimeoutMs: 100,
      retry: { retries: 0 },
    });
    logger.on('error', () => {});
    await logger.logEvent(makeEvent());
    const started = performance.now();
    await logger.flush();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(logger.metrics().sinks.failing).toMatchObject({ fallback: 0, dropped: 1 });
    const summary = await logger.close({ timeoutMs: 1000 });
    expect(summary.timedOut).toBe(false);
  });

  it('a sink whose close() never settles cannot hold close() past its deadline', async () => {
    const logger = new EventLogger({
      sinks: [neverCloses(new MemorySink({ name: 'main' }))],
      fallback: neverCloses(new MemorySink({ name: 'fallback' })),
    });
    await logger.logEvent(makeEvent());
    const started = performance.now();
    const summary = await logger.close({ timeoutMs: 200 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(summary.sinks.main).toEqual({ received: 1, written: 1, fallback: 0, dropped: 0 });
  });
});
