import { describe, expect, it } from 'vitest';
import { EventLogger, MemorySink, ValidationError } from '../../src/index.js';
import { FakeSink, FatalError } from '../helpers/fake-sink.js';
import { recordingLog } from '../helpers/lifecycle-log.js';

describe('the lifecycle log option', () => {
  it('writes start, failures handed to the fallback, and close as structured objects', async () => {
    const { log, lines } = recordingLog();
    const broken = new FakeSink('broken');
    broken.failNext.push(new FatalError('refused'));
    const logger = new EventLogger({
      sinks: [broken],
      fallback: new MemorySink({ name: 'fallback' }),
      log,
    });
    await logger.logEvent({ type: 'T', userId: 'u' });
    await logger.close();
    expect(lines.map((l) => [l.level, l.message])).toEqual([
      ['info', 'eventrail logger started'],
      ['error', 'eventrail write failed for good'],
      ['warn', 'eventrail events handed to the fallback'],
      ['info', 'eventrail logger closed'],
    ]);
    expect(lines[0]?.details).toEqual({ sinks: ['broken'] });
    expect(lines[2]?.details).toMatchObject({ sink: 'broken', count: 1 });
    expect(lines[3]?.details).toMatchObject({ timedOut: false });
  });

  it('is silent by default, survives a log that throws, and refuses one without the levels', async () => {
    const sink = new MemorySink();
    const throwing = recordingLog().log;
    throwing.info = () => {
      throw new Error('log down');
    };
    const logger = new EventLogger({ sinks: [sink], log: throwing });
    await logger.logEvent({ type: 'T', userId: 'u' });
    await logger.close();
    expect(sink.events).toHaveLength(1);
    expect(() => new EventLogger({ sinks: [sink], log: { info() {} } as never })).toThrow(
      expect.objectContaining({ field: 'options.log', constructor: ValidationError }),
    );
  });
});
