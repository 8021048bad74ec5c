import { expect, it, describe as suite } from 'vitest';
import { describe } from '../../src/errors.js';
import { EventLogger, SinkWriteError } from '../../src/index.js';
import { FakeSink, FatalError, makeEvent } from '../helpers/fake-sink.js';

suite('describe() of any thrown value', () => {
  it('never throws: null prototypes, throwing String(), hostile proxies', () => {
    const trap = () => {
      throw new Error('do not touch');
    };
    const proxy = new Proxy({}, { get: trap, getPrototypeOf: trap });
    const badMessage = Object.defineProperty(new Error('x'), 'message', { get: trap });
    expect(describe(Object.create(null))).toBe('[object Object]');
    expect(describe({ toString: trap })).toBe('[object Object]');
    expect(describe(proxy)).toBe('a thrown object that cannot be described');
    expect(describe(badMessage)).toBe('[object Error]');
    expect(describe(Symbol('s'))).toBe('Symbol(s)');
    expect(describe(new Error('plain'))).toBe('plain');
    expect(() => new SinkWriteError('s', 1, Object.create(null))).not.toThrow();
  });
});

suite("EventLogger 'error' with no listener", () => {
  it('becomes one process warning, however many errors follow', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === 'EventrailUnhandledError') warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const sink = new FakeSink();
      sink.rejectEvent = () => true;
      sink.failNext.push(new FatalError('a'), new FatalError('b'));
      const logger = new EventLogger({
        sinks: [sink],
        fallback: null,
        flushSize: 1,
        maxBatchSize: 1,
      });
      await logger.logEvents([makeEvent(1), makeEvent(2)]);
      await logger.close();
      await new Promise((r) => setImmediate(r));
      expect(logger.metrics().sinks.fake?.errors).toBe(2);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.message).toContain("no 'error' listener on this EventLogger");
    } finally {
      process.off('warning', onWarning);
    }
  });
});
