import { describe, expect, it } from 'vitest';
import { EventLogger, type EventLoggerOptions, MemorySink } from '../../src/index.js';
import { FakeSink } from '../helpers/fake-sink.js';
import { refused } from '../helpers/refused.js';

const sink = new MemorySink();

const bad: [string, Partial<EventLoggerOptions> | undefined, string][] = [
  ['no options', undefined, 'options'],
  ['a misspelt option', { sinks: [sink], flushIntervalMS: 10 } as never, 'options.flushIntervalMS'],
  [
    'a misspelt sink option',
    { sinks: [{ sink, flushsize: 10 } as never] },
    'options.sinks[0].flushsize',
  ],
  ['no sinks', { sinks: [] }, 'options.sinks'],
  ['a sink without write', { sinks: [{ name: 'x' } as never] }, 'options.sinks[0]'],
  ['two sinks of one name', { sinks: [sink, new MemorySink()] }, 'options.sinks[1].name'],
  ['flushSize 0', { sinks: [sink], flushSize: 0 }, 'options.flushSize'],
  ['flushSize 1.5', { sinks: [sink], flushSize: 1.5 }, 'options.flushSize'],
  [
    'maxBatchSize below flushSize',
    { sinks: [sink], flushSize: 100, maxBatchSize: 50 },
    'options.maxBatchSize',
  ],
  [
    'per-sink maxBatchSize below its flushSize',
    { sinks: [{ sink, flushSize: 20, maxBatchSize: 10 }] },
    'options.sinks[0].maxBatchSize',
  ],
  ['negative flushIntervalMs', { sinks: [sink], flushIntervalMs: -1 }, 'options.flushIntervalMs'],
  ['unknown overflow', { sinks: [sink], overflow: 'ignore' as never }, 'options.overflow'],
  ['retry factor 0.5', { sinks: [sink], retry: { factor: 0.5 } }, 'options.retry.factor'],
  [
    'per-sink maxQueueSize 0',
    { sinks: [{ sink, maxQueueSize: 0 }] },
    'options.sinks[0].maxQueueSize',
  ],
  ['closeTimeoutMs NaN', { sinks: [sink], closeTimeoutMs: Number.NaN }, 'options.closeTimeoutMs'],
];

describe('EventLogger options', () => {
  it.each(bad)('refuses %s at construction, naming the option', (_name, options, field) => {
    expect(refused(() => new EventLogger(options as EventLoggerOptions))).toMatchObject({ field });
  });

  it('lets a sink override the logger-wide settings', async () => {
    const small = new MemorySink({ name: 'small' });
    const big = new MemorySink({ name: 'big' });
    const logger = new EventLogger({
      sinks: [{ sink: small, flushSize: 2, maxBatchSize: 2 }, big],
      fallback: null,
      flushSize: 50,
      flushIntervalMs: 60_000,
    });
    for (let i = 0; i < 6; i++) await logger.logEvent({ type: 'T', userId: 'u' });
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(small.writes).toBe(3);
    expect(big.writes).toBe(0);
    await logger.close();
    expect(big.writes).toBe(1);
  });

  it("uses a sink's own defaults unless the logger or the registration says otherwise", async () => {
    const gate = new Promise<void>(() => {});
    const make = (name: string) =>
      Object.assign(new FakeSink(name), {
        defaults: { writesInFlight: 3, flushSize: 5, maxBatchSize: 5 },
        gate,
      });
    const own = make('own');
    const loggerWide = make('logger-wide');
    const registered = make('registered');
    const first = new EventLogger({ sinks: [own], fallback: null });
    const second = new EventLogger({ sinks: [loggerWide], fallback: null, writesInFlight: 1 });
    const third = new EventLogger({
      sinks: [{ sink: registered, writesInFlight: 2 }],
      fallback: null,
      writesInFlight: 1,
    });
    for (const logger of [first, second, third]) {
      for (let i = 0; i < 50; i++) await logger.logEvent({ type: 'T', userId: 'u' });
    }
    await new Promise((r) => setImmediate(r));
    expect(own.calls).toEqual([5, 5, 5]);
    expect(loggerWide.calls).toEqual([5]);
    expect(registered.calls).toEqual([5, 5]);
    await Promise.all([first, second, third].map((l) => l.close({ timeoutMs: 0 })));
  });
});
