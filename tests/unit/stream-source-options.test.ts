import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { EventStream } from '../../src/postgres/index.js';

const db = { query: async () => ({ rows: [] }) } as never;

const refused = (options: Record<string, unknown>) => {
  try {
    new EventStream({ db, listen: false, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error('not refused');
};

describe("EventStream's source options", () => {
  it("refuses source 'wal' without walConnection, naming it", () => {
    expect(refused({ source: 'wal' })).toBe('options.walConnection');
  });

  it('refuses an unknown source, a bad connection or publication name', () => {
    expect(refused({ source: 'kafka' })).toBe('options.source');
    expect(refused({ source: 'wal', walConnection: '' })).toBe('options.walConnection');
    expect(refused({ source: 'wal', walConnection: 'postgres://x', publication: 'Bad-Name' })).toBe(
      'options.publication',
    );
  });

  it("takes source 'wal' with a connection, and does nothing in its constructor", () => {
    const stream = new EventStream({ db, source: 'wal', walConnection: 'postgres://nowhere/db' });
    expect(stream.metrics()).toMatchObject({ subscribers: 0, listening: false, reads: 0 });
  });
});
