/**
 * Reads over daily partitions: a time-bounded read plans only the partitions of its range, a
 * deep keyset page skips the partitions it has passed, and paging by cursor through rows spread
 * over several partitions returns each row once, in order, both ways.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EventQueries, type SortOrder } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { generateEvents } from '../helpers/events.js';
import { DAY, dayPartition, TODAY } from '../helpers/partitions.js';
import { explain } from '../helpers/plans.js';

const db = useTestDatabase();
const ROWS = 20_000;
const user = { userId: 'user-7' };

describe('reads over daily partitions', () => {
  const sent: { text: string; params: unknown[] }[] = [];
  const queries = new EventQueries({
    db: {
      query(text: string, params: unknown[] = []) {
        sent.push({ text, params });
        return db.pool.query(text, params);
      },
    },
  });
  /** The partitions the statements of `read` would scan. */
  async function scanned(read: () => Promise<unknown>): Promise<string[]> {
    sent.length = 0;
    await read();
    const plans = await Promise.all(
      sent.map((s) => explain(db.pool, 'event_logs', s.text, s.params)),
    );
    return [...new Set(plans.flatMap((p) => p.partitions))].sort();
  }

  beforeAll(async () => {
    // Spread over the four days the migration made partitions for (today and the next 3).
    await generateEvents(db.pool, {
      count: ROWS,
      users: 20,
      end: new Date(TODAY + 4 * DAY - 1000),
      stepMs: (4 * DAY - 2000) / ROWS,
    });
    await db.pool.query('VACUUM ANALYZE eventrail.event_logs');
  }, 60_000);

  it('plans only the partitions of a time range', async () => {
    const from = new Date(TODAY + DAY + 3_600_000);
    const oneDay = await scanned(() =>
      queries.listEvents(user, { from, to: new Date(from.getTime() + 3_600_000) }),
    );
    expect(oneDay).toEqual([dayPartition(1)]);
    const twoDays = await scanned(() =>
      queries.countsByType(user, { from, to: new Date(from.getTime() + DAY) }),
    );
    expect(twoDays).toEqual([dayPartition(1), dayPartition(2)].sort());
    // Without a range every partition is a candidate, the default one included.
    const all = await scanned(() => queries.listEvents(user));
    expect(all).toEqual(['event_logs_default', ...[0, 1, 2, 3].map(dayPartition)].sort());
  });

  it('skips the partitions a deep keyset page has passed', async () => {
    let page = await queries.listEvents(user, {}, { limit: 100 });
    while (page.items.at(-1)!.createdAt.getTime() >= TODAY + 2 * DAY) {
      page = await queries.listEvents(user, {}, { limit: 100, cursor: page.nextCursor! });
    }
    const cursor = page.nextCursor!;
    const deep = await scanned(() => queries.listEvents(user, {}, { limit: 50, cursor }));
    expect(deep).not.toContain(dayPartition(3));
    expect(deep).not.toContain(dayPartition(2));
    expect(deep).toContain(dayPartition(1));
  });

  it.each(['desc', 'asc'] as SortOrder[])(
    'pages by cursor (%s) across partition boundaries, each row once, in order',
    async (order) => {
      const { rows } = await db.pool.query<{ id: string }>(
        `SELECT id FROM eventrail.event_logs WHERE user_id = $1
          ORDER BY created_at ${order}, id ${order}`,
        [user.userId],
      );
      expect(rows.length).toBe(ROWS / 20);
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await queries.listEvents(user, {}, { limit: 37, order, cursor });
        ids.push(...page.items.map((e) => e.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(ids).toEqual(rows.map((r) => r.id));
    },
  );
});
