import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConsoleSink, EventLogger } from '../../src/index.js';
import { FakeSink, makeEvent } from '../helpers/fake-sink.js';

function capture(highWaterMark?: number) {
  const stream = new PassThrough(highWaterMark ? { highWaterMark } : {});
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

describe('ConsoleSink', () => {
  it('writes one JSON line per event with every envelope field and the payload', async () => {
    const out = capture();
    const logger = new EventLogger({
      sinks: [new ConsoleSink({ stream: out.stream })],
      fallback: null,
    });
    const id = await logger.logEvent({ ...makeEvent(7), agentId: 'agent-9', priority: 5 });
    await logger.close();
    const [line] = out.lines();
    expect(line).toMatchObject({
      id,
      type: 'TASK_PROGRESS',
      userId: 'user-1',
      agentId: 'agent-9',
      tenantId: null,
      priority: 5,
      payload: { i: 7, progress: 7 },
    });
    expect(new Date(line.createdAt).getTime()).toBeGreaterThan(0);
  });

  it('as a fallback, says which sink failed and why', async () => {
    const out = capture();
    const failing = new FakeSink('db');
    failing.rejectEvent = () => true;
    const logger = new EventLogger({
      sinks: [failing],
      fallback: new ConsoleSink({ stream: out.stream }),
    });
    await logger.logEvent(makeEvent(1));
    await logger.close();
    expect(out.lines()).toEqual([
      expect.objectContaining({ failedSink: 'db', error: 'row refused' }),
    ]);
  });

  it('waits for drain when the stream pushes back', async () => {
    const stream = new PassThrough({ highWaterMark: 16 });
    const sink = new ConsoleSink({ stream, name: 'slow' });
    let finished = false;
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    await logger.logEvent(makeEvent(1));
    const flushing = logger.flush().then(() => {
      finished = true;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(finished).toBe(false);
    stream.resume();
    await flushing;
    expect(finished).toBe(true);
    await logger.close();
  });

  it('defaults to stderr and the name "console"', () => {
    expect(new ConsoleSink().name).toBe('console');
  });
});
