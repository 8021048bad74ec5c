/**
 * Reads over daily partitions: a time-bounded read plans only the partitions of its range, a
 * deep keyset page skips the partitions it has passed, and paging by cursor through rows spread
 * over several partitions returns each row once, in order, both ways. A newest-first page is read
 * from the last day first: a busy scope's first page plans only the partitions of its last day,
 * and a sparse scope's pages, read in several slices of time, still hold each row once, in order.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EventQueries, type SortOrder } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { generateEvents, insertEvents } from '../helpers/events.js';
import { DAY, dayPartition, partitionOf, TODAY } from '../helpers/partitions.js';
import { explain } from '../helpers/plans.js';

const db = useTestDatabase();
const ROWS = 20_000;
const user = { userId: 'user-7' };

/** A query object whose statements are kept in `sent` on their way to the pool. */
function recorded() {
  const sent: { text: string; params: unknown[] }[] = [];
  const queries = new EventQueries({
    db: {
      query(text: string, params: unknown[] = []) {
        sent.push({ text, params });
        return db.pool.query(text, params);
      },
    },
  });
  return { sent, queries };
}

describe('reads over daily partitions', () => {
  const { sent, queries } = recorded();
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

describe('newest-first pages over past partitions', () => {
  const HOUR = 3_600_000;
  let queries: EventQueries;
  const now = Date.now();
  /**
   * `count` events of `userId`, about one every `stepMs` back from a minute ago, each shifted by
   * up to an hour so that they fall anywhere relative to the day-long slices a page is read in.
   */
  const spread = (userId: string, count: number, stepMs: number) =>
    insertEvents(
      db.pool,
      Array.from({ length: count }, (_, i) => ({
        type: 'STEP',
        userId,
        createdAt: new Date(now - 60_000 - i * stepMs - ((i * 7_919_000) % HOUR)),
      })),
    );

  beforeAll(async () => {
    for (let day = -21; day <= -1; day++) {
      const from = new Date(TODAY + day * DAY).toISOString();
      const to = new Date(TODAY + (day + 1) * DAY).toISOString();
      await db.pool.query(`CREATE TABLE eventrail.${dayPartition(day)}
        PARTITION OF eventrail.event_logs FOR VALUES FROM ('${from}') TO ('${to}')`);
    }
    queries = new EventQueries({ db: db.pool });
    await spread('dense', 480, HOUR);
    await spread('sparse', 100, 5 * HOUR);
    await db.pool.query('VACUUM ANALYZE eventrail.event_logs');
  }, 60_000);

  it('spreads the rows over the past partitions', async () => {
    const { rows } = await db.pool.query<{ id: string }>(
      `SELECT id FROM eventrail.event_logs WHERE user_id IN ('dense', 'sparse')`,
    );
    const where = new Set(
      Object.values(
        await partitionOf(
          db.pool,
          rows.map((r) => r.id),
        ),
      ),
    );
    expect(where).toContain(dayPartition(-19));
    expect(where).toContain(dayPartition(-5));
    expect(where).not.toContain('event_logs_default');
  });

  it("plans only the last day's partitions for a busy scope's first page", async () => {
    const { sent, queries: spy } = recorded();
    const page = await spy.listEvents({ userId: 'dense' }, {}, { limit: 10 });
    expect(page.items).toHaveLength(10);
    expect(sent).toHaveLength(1);
    const plan = await explain(db.pool, 'event_logs', sent[0]!.text, sent[0]!.params);
    expect(plan.partitions).toEqual(
      ['event_logs_default', ...[-1, 0, 1, 2, 3].map(dayPartition)].sort(),
    );
  });

  it.each([
    ['no range', {}],
    ['from 12 days ago', { from: new Date(now - 12 * DAY) }],
    ['to 3 days ago', { to: new Date(now - 3 * DAY) }],
    ['from 15 to 2 days ago', { from: new Date(now - 15 * DAY), to: new Date(now - 2 * DAY) }],
  ])('pages a sparse scope newest first (%s), each row once, in order', async (_, range) => {
    const r = range as { from?: Date; to?: Date };
    const { rows } = await db.pool.query<{ id: string }>(
      `SELECT id FROM eventrail.event_logs WHERE user_id = 'sparse'
          AND created_at >= coalesce($1::timestamptz, '-infinity') AND created_at < coalesce($2::timestamptz, 'infinity')
        ORDER BY created_at DESC, id DESC`,
      [r.from ?? null, r.to ?? null],
    );
    expect(rows.length).toBeGreaterThan(7);
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await queries.listEvents({ userId: 'sparse' }, range, { limit: 7, cursor });
      ids.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(ids).toEqual(rows.map((row) => row.id));
  });
});
