import { describe, expect, it } from 'vitest';
import { isUuid, uuidv7 } from '../../src/index.js';

describe('uuidv7', () => {
  it('has version 7, the RFC variant, and the time in its first 48 bits', () => {
    const now = Date.now();
    const id = uuidv7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
    expect(isUuid(id)).toBe(true);
  });

  it('is unique and strictly increasing within a process, even within one millisecond', () => {
    const fixed = Date.now() + 10_000;
    const ids = Array.from({ length: 20_000 }, () => uuidv7(fixed));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  });

  it('keeps the layout and the variant across refills of the random pool (512 ids each)', () => {
    const ids = Array.from({ length: 3000 }, () => uuidv7());
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    // 62 random bits per id: no two tails alike, and every hex digit shows up in them.
    const tails = new Set(ids.map((id) => id.slice(19)));
    expect(tails.size).toBe(ids.length);
    const digits = ids.map((id) => id.slice(20).replace('-', '')).join('');
    expect(new Set(digits).size).toBe(16);
  });

  it('stays increasing when the clock goes backwards', () => {
    const a = uuidv7(Date.now() + 20_000);
    const b = uuidv7(Date.now());
    expect(b > a).toBe(true);
  });

  it('isUuid refuses non-UUIDs', () => {
    expect(isUuid('not-a-uuid')).toBe(false);
    expect(isUuid('0190f0e47f1c7c4e8a3b5e0c9d2f1a6b')).toBe(false);
    expect(isUuid('0190f0e4-7f1c-7c4e-8a3b-5e0c9d2f1a6g')).toBe(false);
  });
});
