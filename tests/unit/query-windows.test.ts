/**
 * The slices of time a newest-first page is read in: the day before its start, the week before
 * that, then all older time; adjacent, bounded by the range's start, and one whole read where
 * slicing does not apply.
 */
import { describe, expect, it } from 'vitest';
import { pageWindows } from '../../src/postgres/query/windows.js';
import { resolveFilters } from '../../src/postgres/read/filters.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 30, 12);
const WHOLE = [{ from: null, to: null }];
const none = resolveFilters({});

describe('page windows', () => {
  it('reads a first page from now back: a day, a week more, then the rest', () => {
    expect(pageWindows('desc', 0, none, null, NOW)).toEqual([
      { from: NOW - DAY, to: null },
      { from: NOW - 8 * DAY, to: NOW - DAY },
      { from: null, to: NOW - 8 * DAY },
    ]);
  });

  it("starts a keyset page just after its cursor's row", () => {
    const at = NOW - 40 * DAY;
    const position = { micros: `${at * 1000 + 999}`, id: '0190a000-0000-7000-8000-000000000000' };
    expect(pageWindows('desc', 0, none, position, NOW)).toEqual([
      { from: at + 1 - DAY, to: at + 1 },
      { from: at + 1 - 8 * DAY, to: at + 1 - DAY },
      { from: null, to: at + 1 - 8 * DAY },
    ]);
  });

  it('starts at the end of a range and stops at its start', () => {
    const to = NOW - 2 * DAY;
    const wide = resolveFilters({ from: new Date(to - 5 * DAY), to: new Date(to) });
    expect(pageWindows('desc', 0, wide, null, NOW)).toEqual([
      { from: to - DAY, to },
      { from: null, to: to - DAY },
    ]);
    const narrow = resolveFilters({ from: new Date(to - DAY / 4), to: new Date(to) });
    expect(pageWindows('desc', 0, narrow, null, NOW)).toEqual([{ from: null, to }]);
  });

  it('reads oldest-first, offset, one-session and one-trace pages whole', () => {
    expect(pageWindows('asc', 0, none, null, NOW)).toEqual(WHOLE);
    expect(pageWindows('desc', 50, none, null, NOW)).toEqual(WHOLE);
    expect(pageWindows('desc', 0, resolveFilters({ sessionId: 's' }), null, NOW)).toEqual(WHOLE);
    const trace = resolveFilters({ traceId: '0af7651916cd43dd8448eb211c80319c' });
    expect(pageWindows('desc', 0, trace, null, NOW)).toEqual(WHOLE);
  });
});
