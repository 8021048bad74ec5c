import { describe, expect, it } from 'vitest';
import { Floors } from '../../src/postgres/stream/wal/floor.js';
import { parseSnapshot, visibleIn } from '../../src/postgres/stream/wal/snapshot.js';

describe('Floors (where a cursor of an event from the WAL resumes)', () => {
  it('takes the latest mark read at or before the commit record, and drops the older ones', () => {
    const floors = new Floors();
    floors.add({ tx: '100', lsn: 1_000n });
    floors.add({ tx: '105', lsn: 2_000n });
    floors.add({ tx: '110', lsn: 3_000n });
    expect(floors.at(999n)).toBeUndefined();
    expect(floors.at(1_500n)?.tx).toBe('100');
    // Read at 2000, before a commit record that starts there.
    expect(floors.at(2_000n)?.tx).toBe('105');
    expect(floors.at(9_000n)?.tx).toBe('110');
    // Passed: an earlier commit (never in commit order) is not given a later mark.
    expect(floors.at(1_500n)).toBeUndefined();
  });

  it('one position object per reading, so its cursor is sealed once', () => {
    const floors = new Floors();
    floors.add({ tx: '7', lsn: 1n });
    expect(floors.at(5n)).toBe(floors.at(6n));
  });

  it('past 64 readings keeps the oldest (lower, safe) and lets the second oldest go', () => {
    const floors = new Floors();
    for (let i = 0; i < 100; i++) floors.add({ tx: String(100 + i), lsn: BigInt(10 + i) });
    expect(floors.at(10n)?.tx).toBe('100');
    expect(floors.at(109n)?.tx).toBe('199');
  });
});

describe('visibleIn (a committed transaction, in a pg_snapshot)', () => {
  it('below xmin, or below xmax and not in progress', () => {
    const s = parseSnapshot('100:110:102,105');
    expect(
      ['99', '100', '101', '102', '105', '109', '110', '200'].map((x) => visibleIn(s, x)),
    ).toEqual([true, true, true, false, false, true, false, false]);
    expect(visibleIn(parseSnapshot('100:100:'), '99')).toBe(true);
    expect(visibleIn(parseSnapshot('100:100:'), '100')).toBe(false);
  });
});
