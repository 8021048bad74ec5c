/** The in-memory cache store expires entries by time and stays within its size. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryCacheStore } from '../../src/postgres/index.js';

describe('MemoryCacheStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('serves a value until its TTL has passed', async () => {
    vi.useFakeTimers();
    const store = new MemoryCacheStore();
    await store.set('k', 'v', 1000);
    vi.advanceTimersByTime(999);
    expect(await store.get('k')).toBe('v');
    vi.advanceTimersByTime(1);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.get('never-set')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const store = new MemoryCacheStore({ maxEntries: 3 });
    for (const key of ['a', 'b', 'c']) await store.set(key, key, 60_000);
    expect(await store.get('a')).toBe('a'); // a is now the most recently used
    await store.set('d', 'd', 60_000);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBe('a');
    expect(await store.get('c')).toBe('c');
    expect(await store.get('d')).toBe('d');
    await store.set('c', 'c2', 60_000); // replacing does not grow it
    await store.set('e', 'e', 60_000);
    expect([await store.get('a'), await store.get('c'), await store.get('e')]).toEqual([
      undefined,
      'c2',
      'e',
    ]);
  });
});
