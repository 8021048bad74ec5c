/** Edges a host can reach by mistake: faulty listeners, odd option values, odd payloads. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  defineCatalog,
  EventLogger,
  type EventRecord,
  event,
  MemorySink,
  PartialWriteError,
  type StandardSchema,
  ValidationError,
} from '../../src/index.js';
import { FakeSink, FatalError, makeEvent } from '../helpers/fake-sink.js';

const warnings: Error[] = [];
const onWarning = (warning: Error) => {
  if (warning.name === 'EventrailListenerError') warnings.push(warning);
};
process.on('warning', onWarning);
afterEach(() => {
  warnings.length = 0;
});

async function nextWarnings(): Promise<Error[]> {
  await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  return [...warnings];
}

describe('a listener that throws', () => {
  it('neither throws out of logEvent nor loses the event, and is reported as a warning', async () => {
    const sink = new FakeSink();
    const logger = new EventLogger({
      sinks: [sink],
      fallback: null,
      maxQueueSize: 1,
      overflow: 'drop-newest',
      flushIntervalMs: 60_000,
    });
    logger.on('drop', () => {
      throw new Error('faulty drop listener');
    });
    await logger.logEvent(makeEvent(1));
    const id = '0190d7c4-0000-7000-8000-000000000002';
    await expect(logger.logEvent(makeEvent(2, { id }))).resolves.toBe(id);
    const summary = await logger.close();
    expect(summary.sinks.fake).toEqual({ received: 2, written: 1, fallback: 0, dropped: 1 });
    expect((await nextWarnings()).map((w) => w.message)).toEqual([
      "a listener of 'drop' threw: faulty drop listener",
    ]);
  });

  it('in a batch or error listener stalls nothing: flush and close finish, counts add up', async () => {
    const sink = new FakeSink();
    sink.failNext.push(new FatalError('refused'));
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [sink], fallback, flushSize: 10, maxBatchSize: 10 });
    for (const name of ['batch', 'error', 'fallback'] as const) {
      logger.on(name, () => {
        throw new Error(`faulty ${name} listener`);
      });
    }
    for (let i = 0; i < 30; i++) await logger.logEvent(makeEvent(i));
    const summary = await logger.close({ timeoutMs: 2000 });
    expect(summary).toEqual({
      timedOut: false,
      sinks: { fake: { received: 30, written: 20, fallback: 10, dropped: 0 } },
    });
    expect(fallback.events).toHaveLength(10);
    expect(new Set((await nextWarnings()).map((w) => w.message))).toEqual(
      new Set(
        ['batch', 'error', 'fallback'].map(
          (e) => `a listener of '${e}' threw: faulty ${e} listener`,
        ),
      ),
    );
  });
});

describe('queue and batch sizes', () => {
  it('writes a full queue at once when maxQueueSize is below flushSize', async () => {
    const sink = new FakeSink();
    const logger = new EventLogger({
      sinks: [sink],
      fallback: null,
      flushSize: 100,
      maxQueueSize: 5,
      flushIntervalMs: 60_000, // a full queue must not wait for this
    });
    for (let i = 0; i < 20; i++) await logger.logEvent(makeEvent(i));
    expect(sink.written.length).toBeGreaterThanOrEqual(10);
    await logger.close();
    expect(sink.written).toHaveLength(20);
  });
});

describe('partial writes', () => {
  it('match the failed events by id, so a sink may report copies', async () => {
    const fallback = new MemorySink({ name: 'fallback' });
    const sink = {
      name: 'copies',
      async write(batch: readonly EventRecord[]) {
        const refused = batch.filter((e) => e.payload.i === 3).map((e) => ({ ...e }));
        if (refused.length > 0) throw new PartialWriteError(refused, new FatalError('no'));
      },
      classifyError: () => 'permanent' as const,
    };
    const logger = new EventLogger({ sinks: [sink], fallback });
    for (let i = 0; i < 10; i++) await logger.logEvent(makeEvent(i));
    const summary = await logger.close();
    expect(summary.sinks.copies).toEqual({ received: 10, written: 9, fallback: 1, dropped: 0 });
    expect(fallback.events.map((e) => e.payload.i)).toEqual([3]);
  });
});

describe('option values a timer cannot take', () => {
  it('refuses delays beyond 2147483647 ms (Node would run them after 1 ms)', () => {
    expect(() => new EventLogger({ sinks: [new MemorySink()], writeTimeoutMs: 3e9 })).toThrow(
      expect.objectContaining({ field: 'options.writeTimeoutMs', code: 'VALIDATION_RANGE' }),
    );
    expect(
      () => new EventLogger({ sinks: [new MemorySink()], retry: { jitter: 'yes' as never } }),
    ).toThrow(expect.objectContaining({ field: 'options.retry.jitter' }));
  });

  it('refuses a close timeout that is not a number of ms, and stays open', async () => {
    const logger = new EventLogger({ sinks: [new MemorySink()], fallback: null });
    for (const timeoutMs of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      await expect(logger.close({ timeoutMs })).rejects.toMatchObject({
        field: 'options.timeoutMs',
      });
    }
    expect(logger.closed).toBe(false);
    await logger.logEvent(makeEvent());
    expect((await logger.close()).sinks.memory?.written).toBe(1);
  });
});

describe('payloads and catalogs', () => {
  it('refuses a payload that is not a plain object, such as a Date', async () => {
    const logger = new EventLogger({ sinks: [new MemorySink()], fallback: null });
    await expect(
      logger.logEvent({ type: 'T', userId: 'u', payload: new Date() as never }),
    ).rejects.toMatchObject({ field: 'payload', code: 'VALIDATION_TYPE' });
    await logger.close();
  });

  it('says "must be an object" for a non-event, with a catalog too', async () => {
    const logger = new EventLogger({
      sinks: [new MemorySink()],
      fallback: null,
      catalog: defineCatalog({ T: event<{ n: number }>() }),
    });
    await expect(logger.logEvent(null as never)).rejects.toMatchObject({
      field: 'event',
      code: 'VALIDATION_TYPE',
    });
    await logger.close();
  });

  it('leaves no unhandled rejection when a list fails on a later event while an async check runs', async () => {
    const slowRefusal: StandardSchema<{ n: number }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async () => {
          await new Promise((r) => setTimeout(r, 5));
          return { issues: [{ message: 'never valid' }] };
        },
      },
    };
    const logger = new EventLogger({
      sinks: [new MemorySink()],
      fallback: null,
      catalog: defineCatalog({ slow: event({ schema: slowRefusal }) }),
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(
        logger.logEvents([
          { type: 'slow', userId: 'u', payload: { n: 1 } },
          { type: 'unknown', userId: 'u' } as never,
        ]),
      ).rejects.toBeInstanceOf(ValidationError);
      await new Promise((r) => setTimeout(r, 30));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await logger.close();
    }
  });
});
