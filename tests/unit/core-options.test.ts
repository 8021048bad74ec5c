/**
 * The options of the core entry's sinks and of `normalizeEvent` go through the one resolver:
 * a typo, a string where the options object goes, or a value of the wrong kind is a
 * ValidationError naming the field; nothing given means the documented defaults.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  ConsoleSink,
  DEFAULT_MAX_PAYLOAD_BYTES,
  MemorySink,
  normalizeEvent,
} from '../../src/index.js';
import { refused } from '../helpers/refused.js';

const EVENT = { type: 'T', userId: 'u' };

const cases: [string, () => unknown, { field: string; code: string; message?: RegExp }][] = [
  [
    'MemorySink: a misspelt name',
    () => new MemorySink({ nmae: 'x' } as never),
    { field: 'options.nmae', code: 'VALIDATION_UNKNOWN', message: /did you mean 'name'\?/ },
  ],
  [
    'MemorySink: the name as a string (0.x)',
    () => new MemorySink('fallback' as never),
    { field: 'options', code: 'VALIDATION_TYPE' },
  ],
  [
    'MemorySink: an empty name',
    () => new MemorySink({ name: '' }),
    { field: 'options.name', code: 'VALIDATION_RANGE' },
  ],
  [
    'ConsoleSink: a misspelt stream',
    () => new ConsoleSink({ steam: process.stdout } as never),
    { field: 'options.steam', code: 'VALIDATION_UNKNOWN', message: /did you mean 'stream'\?/ },
  ],
  [
    'ConsoleSink: a stream that cannot be written',
    () => new ConsoleSink({ stream: {} as never }),
    { field: 'options.stream', code: 'VALIDATION_TYPE' },
  ],
  [
    'ConsoleSink: a number as name',
    () => new ConsoleSink({ name: 7 as never }),
    { field: 'options.name', code: 'VALIDATION_TYPE' },
  ],
  [
    'normalizeEvent: a misspelt limit',
    () => normalizeEvent(EVENT, { maxPayloadByte: 10 } as never),
    {
      field: 'options.maxPayloadByte',
      code: 'VALIDATION_UNKNOWN',
      message: /did you mean 'maxPayloadBytes'\?/,
    },
  ],
  [
    'normalizeEvent: a limit that is not a number',
    () => normalizeEvent(EVENT, { maxPayloadBytes: '1kb' as never }),
    { field: 'options.maxPayloadBytes', code: 'VALIDATION_TYPE' },
  ],
  [
    'normalizeEvent: a limit of 1 byte',
    () => normalizeEvent(EVENT, { maxPayloadBytes: 1 }),
    { field: 'options.maxPayloadBytes', code: 'VALIDATION_RANGE' },
  ],
  [
    'normalizeEvent: options that are not an object',
    () => normalizeEvent(EVENT, 1024 as never),
    { field: 'options', code: 'VALIDATION_TYPE' },
  ],
];

describe('options of the core sinks and normalizeEvent', () => {
  it.each(cases)('refuses %s with a ValidationError naming the field', (_name, run, expected) => {
    const error = refused(run);
    expect(error).toMatchObject({ field: expected.field, code: expected.code });
    if (expected.message) expect(error.message).toMatch(expected.message);
  });

  it('uses the documented defaults when nothing is given', () => {
    expect(new MemorySink().name).toBe('memory');
    expect(new MemorySink({}).name).toBe('memory');
    expect(new MemorySink({ name: 'fallback' }).name).toBe('fallback');
    expect(new ConsoleSink().name).toBe('console');
    const big = { type: 'T', userId: 'u', payload: { s: 'x'.repeat(DEFAULT_MAX_PAYLOAD_BYTES) } };
    expect(refused(() => normalizeEvent(big)).code).toBe('VALIDATION_TOO_LARGE');
    expect(normalizeEvent(EVENT).payloadJson).toBe('{}');
  });

  it('applies the maxPayloadBytes given', () => {
    const payload = { s: 'x'.repeat(100) };
    expect(normalizeEvent({ ...EVENT, payload }, { maxPayloadBytes: 200 }).payload).toEqual(
      payload,
    );
    expect(
      refused(() => normalizeEvent({ ...EVENT, payload }, { maxPayloadBytes: 100 })),
    ).toMatchObject({ field: 'payload', code: 'VALIDATION_TOO_LARGE' });
  });

  it('writes to the stream given', async () => {
    const stream = new PassThrough();
    const sink = new ConsoleSink({ stream, name: 'lines' });
    await sink.write([normalizeEvent(EVENT)], { signal: new AbortController().signal });
    expect(sink.name).toBe('lines');
    expect(JSON.parse(String(stream.read()))).toMatchObject(EVENT);
  });
});
