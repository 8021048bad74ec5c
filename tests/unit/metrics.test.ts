import { describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { FakeSink, makeEvent, TransientError } from '../helpers/fake-sink.js';

describe('metrics() and events', () => {
  it('counts per sink and emits batch, retry, error and fallback events', async () => {
    const good = new MemorySink({ name: 'good' });
    const flaky = new FakeSink('flaky');
    flaky.failNext.push(new TransientError('blip'));
    flaky.rejectEvent = (e) => e.payload.i === 3;
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [good, flaky], fallback });
    const seen: string[] = [];
    const durations: Record<string, number[]> = { good: [], flaky: [] };
    logger.on('batch', ({ sink, durationMs }) => durations[sink]?.push(durationMs));
    for (const name of ['batch', 'retry', 'error', 'fallback', 'drop'] as const) {
      logger.on(name, (info: unknown) => seen.push(`${name}:${(info as { sink?: string }).sink}`));
    }
    for (let i = 0; i < 10; i++) await logger.logEvent(makeEvent(i));
    await expect(logger.logEvent({ type: '', userId: 'u' })).rejects.toThrow();
    await logger.flush();
    const metrics = logger.metrics();
    expect(metrics.accepted).toBe(10);
    expect(metrics.rejected).toBe(1);
    expect(metrics.sinks.good).toEqual({
      queueDepth: 0,
      inFlight: 0,
      received: 10,
      written: 10,
      batches: 1,
      retries: 0,
      errors: 0,
      dropped: 0,
      fallback: 0,
      batchDurationMs: {
        count: 1,
        p50: durations.good?.[0],
        p99: durations.good?.[0],
        max: durations.good?.[0],
      },
    });
    expect(metrics.sinks.flaky).toMatchObject({
      received: 10,
      written: 9,
      retries: 1,
      errors: 1,
      fallback: 1,
    });
    // One duration per successful write (the batch split around the refused event), as emitted.
    const flakyDurations = durations.flaky ?? [];
    expect(flakyDurations.length).toBeGreaterThan(1);
    const { batchDurationMs } = metrics.sinks.flaky ?? {};
    expect(batchDurationMs?.count).toBe(flakyDurations.length);
    expect(batchDurationMs?.count).toBe(metrics.sinks.flaky?.batches);
    expect(batchDurationMs?.max).toBe(Math.max(...flakyDurations));
    expect(batchDurationMs?.p50).toBeLessThanOrEqual(batchDurationMs?.p99 ?? -1);
    expect(seen).toContain('batch:good');
    expect(seen).toContain('retry:flaky');
    expect(seen).toContain('error:flaky');
    expect(seen).toContain('fallback:flaky');
    expect(seen.some((s) => s.startsWith('drop'))).toBe(false);
    await logger.close();
  });

  it('has no listener requirement: an unobserved error event does not throw', async () => {
    const failing = new FakeSink();
    failing.rejectEvent = () => true;
    const logger = new EventLogger({ sinks: [failing], fallback: null });
    await logger.logEvent(makeEvent());
    const summary = await logger.close();
    expect(summary.sinks.fake?.dropped).toBe(1);
  });
});
