/**
 * Keyset pagination walks 10k rows without a gap or a repeat while new rows are inserted,
 * in both orders, and across rows that share a timestamp down to the microsecond.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EventQueries, type PageOptions } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { generateEvents, insertEvents } from '../helpers/events.js';

const db = useTestDatabase();
const scope = { userId: 'user-0' };

async function walk(
  queries: EventQueries,
  page: PageOptions,
  userId = scope.userId,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const result = await queries.listEvents(
      { userId },
      {},
      { ...page, ...(cursor ? { cursor } : {}) },
    );
    ids.push(...result.items.map((e) => e.id));
    cursor = result.nextCursor;
  } while (cursor);
  return ids;
}

async function idsOf(userId: string): Promise<string[]> {
  const { rows } = await db.pool.query('SELECT id FROM eventrail.event_logs WHERE user_id = $1', [
    userId,
  ]);
  return rows.map((r) => r.id);
}

describe('pagination', () => {
  let queries: EventQueries;
  let original: string[];

  beforeAll(async () => {
    await generateEvents(db.pool, { count: 10_000, users: 1, end: new Date(Date.now() - 60_000) });
    original = await idsOf('user-0');
    queries = new EventQueries({ db: db.pool });
  });

  it.each(['desc', 'asc'] as const)(
    'walks 10k rows (%s) with the cursor, no gap, no repeat, while rows are inserted',
    async (order) => {
      let inserting = true;
      let inserted = 0;
      const writer = (async () => {
        while (inserting) {
          // New rows (now) and late ones (inside the range being walked).
          const late = new Date(Date.now() - 60_000 - Math.random() * 9_000_000);
          await insertEvents(db.pool, [
            { type: 'NEW', userId: 'user-0' },
            { type: 'LATE', userId: 'user-0', createdAt: late },
          ]);
          inserted += 2;
          await new Promise((r) => setTimeout(r, 2));
        }
      })();
      let ids: string[];
      try {
        ids = await walk(queries, { limit: 97, order });
      } finally {
        inserting = false;
        await writer;
      }
      expect(inserted).toBeGreaterThan(0);
      expect(new Set(ids).size).toBe(ids.length);
      const seen = new Set(ids);
      expect(original.filter((id) => !seen.has(id))).toEqual([]);
      // Every row returned is a row of user-0 that exists.
      const existing = new Set(await idsOf('user-0'));
      expect(ids.filter((id) => !existing.has(id))).toEqual([]);
    },
  );

  it('keeps rows that share a created_at apart by id, at microsecond precision', async () => {
    // 300 rows at one instant, 300 at the next microsecond, 300 at the one after.
    await db.pool.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id, created_at)
       SELECT gen_random_uuid(), 'TIE', 'user-ties',
              timestamptz '2024-06-01 10:00:00.123456+00' + (g % 3) * interval '1 microsecond'
       FROM generate_series(1, 900) g`,
    );
    const expected = await db.pool.query(
      `SELECT id FROM eventrail.event_logs WHERE user_id = 'user-ties' ORDER BY created_at DESC, id DESC`,
    );
    for (const limit of [1, 7, 300, 500]) {
      const ids = await walk(queries, { limit }, 'user-ties');
      expect(ids).toEqual(expected.rows.map((r) => r.id));
    }
    const asc = await walk(queries, { limit: 13, order: 'asc' }, 'user-ties');
    expect(asc).toEqual(expected.rows.map((r) => r.id).reverse());
  });
});
