/** Cursors are opaque, authenticated positions bound to the read that made them. */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { CursorCodec } from '../../src/postgres/cursor/codec.js';

const position = { micros: '1714557600123456', id: '0190d7c4-0000-7000-8000-000000000001' };
const binding = JSON.stringify(['eventrail', { userId: 'a' }, {}, 'desc']);

function refusal(codec: CursorCodec, cursor: string, bindingOf = binding): unknown {
  try {
    codec.decode(cursor, bindingOf);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('cursor', () => {
  const codec = new CursorCodec('a-stable-secret-of-the-host');

  it('round-trips a position as URL-safe text', () => {
    const cursor = codec.encode(position, binding);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(codec.decode(cursor, binding)).toEqual(position);
  });

  it('refuses a cursor of another scope, filter or order', () => {
    const cursor = codec.encode(position, binding);
    for (const other of [
      JSON.stringify(['eventrail', { userId: 'b' }, {}, 'desc']),
      JSON.stringify(['eventrail', { userId: 'a' }, { agentId: 'x' }, 'desc']),
      JSON.stringify(['eventrail', { userId: 'a' }, {}, 'asc']),
      JSON.stringify(['audit', { userId: 'a' }, {}, 'desc']),
    ]) {
      expect(refusal(codec, cursor, other)).toMatchObject({ field: 'page.cursor' });
    }
  });

  it('refuses an altered position, an altered tag, and one made with another secret', () => {
    const cursor = codec.encode(position, binding);
    const [, tag] = cursor.split('.');
    const moved = Buffer.from(`1:${position.micros}:0190d7c4-0000-7000-8000-000000000002`);
    const forged = `${moved.toString('base64url')}.${tag}`;
    const flipped = `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'B' : 'A'}${cursor.slice(-1)}`;
    const stranger = new CursorCodec('another-secret-entirely').encode(position, binding);
    for (const bad of [forged, flipped, stranger, `${cursor}.x`, cursor.split('.')[0]!, '']) {
      expect(refusal(codec, bad)).toBeInstanceOf(ValidationError);
    }
  });

  it('uses one random secret per process when none is given', () => {
    const a = new CursorCodec(undefined);
    const b = new CursorCodec(undefined);
    expect(b.decode(a.encode(position, binding), binding)).toEqual(position);
    expect(refusal(codec, a.encode(position, binding))).toBeInstanceOf(ValidationError);
  });

  it('accepts secrets as bytes and refuses short ones', () => {
    const bytes = new CursorCodec(new Uint8Array(32).fill(7));
    expect(bytes.decode(bytes.encode(position, binding), binding)).toEqual(position);
    expect(() => new CursorCodec('x'.repeat(15))).toThrow(ValidationError);
  });
});
