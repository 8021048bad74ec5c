/**
 * One durable `Consumer` member against a real database: every event handled once, in each
 * key's commit order, with the effects written in the consumer's transaction; where a new
 * consumer starts (`'start'`, `'now'`, a `Date`) and that its checkpoints win afterwards; the
 * partitions fixed at creation; its metrics and stats.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConsumerError } from '../../src/index.js';
import { consumerOn, waitUntil } from '../helpers/consumer.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();
const c = consumerOn(db);

beforeAll(() => c.createEffects());
afterEach(() => c.closeAll());

const handledAll = (name: string, n: number) => async () => (await c.effectCounts(name)).total >= n;

describe('Consumer', () => {
  it("from 'start': every event once, each key in commit order, checkpoints in the handler's transaction", async () => {
    await c.seed(300, 7, { perTx: 25 });
    const consumer = c.make({
      name: 'all',
      from: 'start',
      partitions: 4,
      batchSize: 16,
      handle: c.effects('all', 'm1'),
    });
    await consumer.start();
    await waitUntil(handledAll('all', 300), 'the 300 events are handled');
    // Live: events committed after the catch-up arrive too.
    await c.seed(40, 7, { perTx: 1 });
    await waitUntil(handledAll('all', 340), 'the live events are handled');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await c.effectCounts('all')).toEqual({ total: 340, distinct: 340 });
    expect(await c.keysOutOfOrder('all')).toEqual([]);
    expect(consumer.metrics()).toMatchObject({ handled: 340, partitionsOwned: 4, parked: 0 });
    expect(consumer.metrics().batches).toBeGreaterThan(4);
    expect(consumer.metrics().handleDurationMs.count).toBe(consumer.metrics().batches);
    const stats = await consumer.stats();
    expect(stats.partitions.map((p) => p.owner)).toEqual(Array(4).fill(consumer.member));
    expect(stats).toMatchObject({ lagEvents: 0, deadLetters: 0 });
    const summary = await consumer.close();
    expect(summary).toEqual({ timedOut: false, released: 4 });
    const after = await consumer.stats();
    expect(after.partitions.map((p) => p.owner)).toEqual([null, null, null, null]);
  });

  it('measures its lag in events and in milliseconds (lagMs), in metrics() and stats()', async () => {
    await c.seed(5, 1, { createdAt: new Date(Date.now() - 60_000) });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const consumer = c.make({
      name: 'lagging',
      from: 'start',
      partitions: 1,
      handle: async () => gate,
    });
    await consumer.start();
    await waitUntil(async () => consumer.metrics().lagEvents > 0, 'the lag measured');
    const { lagMs } = consumer.metrics();
    expect(lagMs).toBeGreaterThanOrEqual(59_000);
    expect(lagMs).toBeLessThan(180_000);
    const [partition] = (await consumer.stats()).partitions;
    expect(partition?.lagMs).toBeGreaterThanOrEqual(59_000);
    expect(partition?.lagMs).toBeLessThan(180_000);
    release();
  });

  it('resumes after its checkpoints: a new member of the same name handles only what came since', async () => {
    await c.seed(50, 3);
    const first = c.make({ name: 'resume', from: 'start', handle: c.effects('resume', 'a') });
    await first.start();
    const existing = (await db.pool.query('SELECT count(*)::int AS n FROM eventrail.event_logs'))
      .rows[0].n;
    await waitUntil(handledAll('resume', existing), 'the first run is done');
    const before = (await c.effectCounts('resume')).total;
    await first.close();
    await c.seed(20, 3);
    // `from: 'now'` is ignored: the consumer exists, its checkpoints win.
    const second = c.make({ name: 'resume', from: 'now', handle: c.effects('resume', 'b') });
    await second.start();
    await waitUntil(handledAll('resume', before + 20), 'the new events are handled');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const counts = await c.effectCounts('resume');
    expect(counts.total).toBe(counts.distinct);
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM effects WHERE consumer = 'resume' AND member = 'b'",
    );
    expect(rows[0].n).toBe(20);
  });

  it("from 'now' skips what was there; from a Date takes the events created at or after it", async () => {
    const hourAgo = new Date(Date.now() - 3_600_000);
    await db.pool.query('TRUNCATE eventrail.event_logs');
    await c.seed(10, 2, { createdAt: new Date(hourAgo.getTime() - 60_000) });
    await c.seed(15, 2, { createdAt: new Date(hourAgo.getTime() + 60_000) });
    const now = c.make({ name: 'now', from: 'now', handle: c.effects('now', 'm') });
    const since = c.make({ name: 'since', from: hourAgo, handle: c.effects('since', 'm') });
    await Promise.all([now.start(), since.start()]);
    await c.seed(5, 2);
    await waitUntil(handledAll('now', 5), "'now' handles the 5 new events");
    await waitUntil(handledAll('since', 20), 'the Date consumer handles 15 + 5');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await c.effectCounts('now')).toEqual({ total: 5, distinct: 5 });
    expect(await c.effectCounts('since')).toEqual({ total: 20, distinct: 20 });
  });

  it('refuses another number of partitions than the consumer was created with', async () => {
    const first = c.make({ name: 'fixed', from: 'now', partitions: 8, handle: async () => {} });
    await first.start();
    const other = c.make({ name: 'fixed', from: 'now', partitions: 16, handle: async () => {} });
    const refused = await other.start().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConsumerError);
    expect(refused).toMatchObject({ code: 'CONSUMER_PARTITIONS_MISMATCH', consumer: 'fixed' });
  });

  it('never passes a transaction still open: a later commit waits, and nothing is skipped', async () => {
    const consumer = c.make({ name: 'mark', from: 'now', handle: c.effects('mark', 'm') });
    await consumer.start();
    const early = await db.pool.connect();
    try {
      await early.query('BEGIN');
      await early.query(
        `INSERT INTO eventrail.event_logs (id, event_type, user_id, aggregate_id, created_at)
         VALUES (gen_random_uuid(), 'A', 'u', 'early', now())`,
      );
      await c.seed(3, 1);
      await new Promise((resolve) => setTimeout(resolve, 400));
      // The later events committed, but an earlier transaction is open: nothing is handled yet.
      expect(await c.effectCounts('mark')).toEqual({ total: 0, distinct: 0 });
      await early.query('COMMIT');
    } finally {
      early.release();
    }
    await waitUntil(handledAll('mark', 4), 'the four events are handled');
    const { rows } = await db.pool.query("SELECT key FROM effects WHERE consumer = 'mark'");
    expect(rows.map((r) => r.key).sort()).toEqual(['early', 'k0', 'k0', 'k0']);
    expect(await c.effectCounts('mark')).toEqual({ total: 4, distinct: 4 });
  });

  it("runs the handler with the server's planner settings, not those of its reads", async () => {
    const seen: string[] = [];
    const consumer = c.make({
      name: 'planner',
      from: 'now',
      handle: async (_events, tx) => {
        const { rows } = await tx.query('SHOW enable_sort');
        seen.push(rows[0].enable_sort);
      },
    });
    await consumer.start();
    await c.seed(2, 1);
    await waitUntil(() => seen.length > 0, 'the handler ran');
    expect(seen).toEqual(seen.map(() => 'on'));
  });

  it('reads only its scope and filters', async () => {
    await db.pool.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id, project_id, session_id, created_at)
       SELECT gen_random_uuid(), CASE WHEN g % 2 = 0 THEN 'A' ELSE 'B' END, 'u' || (g % 3), 'p',
         's' || (g % 5), now()
       FROM generate_series(1, 60) AS g`,
    );
    const consumer = c.make({
      name: 'scoped',
      from: 'start',
      scope: { userId: 'u1', projectId: 'p' },
      filters: { types: ['B'] },
      handle: c.effects('scoped', 'm'),
    });
    await consumer.start();
    // g in 1..60 with g % 3 = 1 and g odd: 10 events.
    await waitUntil(handledAll('scoped', 10), 'the 10 events of the scope and filters');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await c.effectCounts('scoped')).toEqual({ total: 10, distinct: 10 });
  });
});
