/**
 * The retention horizon: what `maintain` removed, recorded in the same transaction as the
 * removal (a dropped partition, the default partition's expired rows), so that a read from a
 * position or a time before it can fail loudly instead of skipping what was removed.
 */
import { describe, expect, it } from 'vitest';
import { CursorExpiredError } from '../../src/index.js';
import { maintain } from '../../src/postgres/index.js';
import { checkPosition, checkTime, readHorizon } from '../../src/postgres/read/horizon.js';
import { comparePositions, ORIGIN } from '../../src/postgres/read/position.js';
import { horizonSql } from '../../src/postgres/sql/horizon.js';
import { tableNames } from '../../src/postgres/sql/names.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';
import { DAY, TODAY } from '../helpers/partitions.js';

const db = useTestDatabase();
const sql = horizonSql(tableNames());
const at = (ms: number) => new Date(ms);
const event = (createdAt: Date) => ({ type: 'X', userId: 'u', createdAt });

/** The stream positions of `ids`, as stored. */
async function positions(ids: string[]) {
  const { rows } = await db.pool.query<{ tx: string; id: string }>(
    'SELECT tx_id::text AS tx, id::text AS id FROM eventrail.event_logs WHERE id = ANY($1::uuid[]) ORDER BY tx_id, id',
    [ids],
  );
  return rows;
}

describe('the retention horizon', () => {
  it('is raised past the removed rows, by the default partition and by a dropped partition, and only forward', async () => {
    expect(await readHorizon(db.pool, sql)).toBeUndefined();
    const options = { retentionMs: DAY, premake: 0 };
    // Yesterday's rows live in the default partition; today's in today's partition.
    const [yesterday1, yesterday2, today, tomorrow] = await insertEvents(db.pool, [
      event(at(TODAY - 7_200_000)),
      event(at(TODAY - 3_600_000)),
      event(at(TODAY + 3_600_000)),
      event(at(TODAY + DAY + 3_600_000)),
    ]);
    const before = await positions([yesterday1!.id, yesterday2!.id]);
    const expiredDefault = await maintain({
      db: db.pool,
      ...options,
      now: at(TODAY + 2 * DAY - 1),
    });
    expect(expiredDefault.defaultRowsExpired).toBe(2);
    const afterDefault = await readHorizon(db.pool, sql);
    expect(afterDefault?.expiredBefore).toBe(TODAY + DAY - 1);
    expect(afterDefault?.through).toEqual(before.at(-1));

    const [todayPosition] = await positions([today!.id]);
    const dropped = await maintain({ db: db.pool, ...options, now: at(TODAY + 2 * DAY) });
    expect(dropped.dropped).toHaveLength(1);
    const afterDrop = await readHorizon(db.pool, sql);
    expect(afterDrop?.expiredBefore).toBe(TODAY + DAY);
    expect(afterDrop?.through).toEqual(todayPosition);
    expect(comparePositions(afterDrop!.through, afterDefault!.through)).toBeGreaterThan(0);

    // A run that removes nothing leaves it as it is.
    await maintain({ db: db.pool, ...options, now: at(TODAY + 2 * DAY + 1000) });
    expect(await readHorizon(db.pool, sql)).toEqual(afterDrop);

    // Reads from before what was removed are refused; from at or after it, allowed.
    expect(() => checkPosition(afterDrop, ORIGIN, 'the cursor')).toThrow(CursorExpiredError);
    expect(() => checkPosition(afterDrop, afterDefault!.through, 'the cursor')).toThrow(
      expect.objectContaining({ code: 'CURSOR_EXPIRED', oldestAt: at(TODAY + DAY) }),
    );
    expect(() => checkPosition(afterDrop, afterDrop!.through, 'the cursor')).not.toThrow();
    expect(() => checkTime(afterDrop, TODAY, 'from')).toThrow(CursorExpiredError);
    expect(() => checkTime(afterDrop, TODAY + DAY, 'from')).not.toThrow();
    expect(await positions([tomorrow!.id])).toHaveLength(1);
  });
});
