/**
 * Consumer groups: members of one name split the partitions and rebalance when one joins or
 * leaves; a member whose batch is cut off (its connection killed mid-transaction, or closed at
 * a deadline with its handler stuck) loses nothing and duplicates nothing: each effect once.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/index.js';
import type { QueryableLike } from '../../src/postgres/index.js';
import { consumerOn, waitUntil } from '../helpers/consumer.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();
const c = consumerOn(db);

beforeAll(() => c.createEffects());
afterEach(() => c.closeAll());

const owned = (consumer: { metrics(): { partitionsOwned: number } }) =>
  consumer.metrics().partitionsOwned;

describe('Consumer groups', () => {
  it('split the partitions between members, and rebalance when one joins or leaves', async () => {
    const a = c.make({
      name: 'split',
      from: 'now',
      partitions: 8,
      handle: c.effects('split', 'a'),
    });
    const rebalances: { taken: readonly number[]; released: readonly number[] }[] = [];
    a.on('rebalance', (info) => rebalances.push(info));
    await a.start();
    expect(owned(a)).toBe(8);
    const b = c.make({
      name: 'split',
      from: 'now',
      partitions: 8,
      handle: c.effects('split', 'b'),
    });
    await b.start();
    await waitUntil(() => owned(a) === 4 && owned(b) === 4, 'the two members hold 4 each');
    expect(rebalances.flatMap((r) => r.released).sort()).toEqual([4, 5, 6, 7]);
    await c.seed(400, 40, { perTx: 20 });
    await waitUntil(async () => (await c.effectCounts('split')).total >= 400, 'all handled');
    const { rows } = await db.pool.query<{ member: string; n: number }>(
      "SELECT member, count(*)::int AS n FROM effects WHERE consumer = 'split' GROUP BY member",
    );
    expect(rows.map((r) => r.member).sort()).toEqual(['a', 'b']);
    // b leaves: a takes its partitions back at once (released, not waiting for the lease).
    expect(await b.close()).toEqual({ timedOut: false, released: 4 });
    await waitUntil(() => owned(a) === 8, 'a holds all 8 again', 3000);
    await c.seed(100, 40, { perTx: 10 });
    await waitUntil(async () => (await c.effectCounts('split')).total >= 500, 'all handled');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await c.effectCounts('split')).toEqual({ total: 500, distinct: 500 });
    expect(await c.keysOutOfOrder('split')).toEqual([]);
  });

  it('each effect once when a member is cut off mid-batch: connection killed, or closed at its deadline', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    await c.seed(2000, 50, { perTx: 100 });
    let stuck = false;
    let release = () => {};
    const blocker = c.effects('cut', 'a');
    const a = c.make({
      name: 'cut',
      from: 'start',
      partitions: 8,
      batchSize: 50,
      handle: async (events: readonly EventRecord[], tx: QueryableLike) => {
        await blocker(events, tx);
        // The third batch of `a` writes its effects, then hangs: its transaction is open.
        if (a.metrics().batches === 2 && !stuck) {
          stuck = true;
          await new Promise<void>((resolve) => {
            release = resolve;
          });
        }
      },
    });
    await a.start();
    await waitUntil(() => stuck, 'a is stuck in a batch');
    // Another member joins and kills a connection of `a` mid-transaction... then `a` is closed
    // at once, with its handler still stuck: its transaction must roll back.
    let kill = false;
    let killed = 0;
    const writer = c.effects('cut', 'b');
    const b = c.make({
      name: 'cut',
      from: 'start',
      partitions: 8,
      batchSize: 50,
      handle: async (events: readonly EventRecord[], tx: QueryableLike) => {
        await writer(events, tx);
        if (kill) {
          kill = false;
          killed += 1;
          await tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }
      },
    });
    await b.start();
    const summary = await a.close({ timeoutMs: 0 });
    release();
    expect(summary.timedOut).toBe(true);
    await waitUntil(() => owned(b) === 8, 'b takes every partition', 5000);
    await waitUntil(async () => (await c.effectCounts('cut')).total >= 2000, 'all handled');
    // A member whose connection dies mid-batch: the batch rolls back and is handled again.
    kill = true;
    await c.seed(500, 50, { perTx: 50 });
    await waitUntil(async () => (await c.effectCounts('cut')).total >= 2500, 'all handled');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(killed).toBe(1);
    expect(b.metrics().errors).toBeGreaterThan(0);
    expect(await c.effectCounts('cut')).toEqual({ total: 2500, distinct: 2500 });
    expect(await c.keysOutOfOrder('cut')).toEqual([]);
  });

  it('rolls back a batch whose partition was taken meanwhile (the lease fence), then handles it once', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    await c.seed(10, 3);
    let gate = () => {};
    let calls = 0;
    const write = c.effects('fence', 'a');
    const a = c.make({
      name: 'fence',
      from: 'start',
      partitions: 1,
      handle: async (events: readonly EventRecord[], tx: QueryableLike) => {
        await write(events, tx);
        calls += 1;
        if (calls === 1) await new Promise<void>((resolve) => (gate = resolve));
      },
    });
    await a.start();
    await waitUntil(() => calls === 1, 'the first batch is in the handler');
    // Another member takes the partition while the batch runs (as after a long pause of a).
    await db.pool.query(
      `UPDATE eventrail.consumer_partitions SET owner = 'thief', lease_until = now() + interval '1 hour'
       WHERE consumer = 'fence'`,
    );
    gate();
    await waitUntil(() => a.metrics().leaseLost === 1, 'the batch rolled back');
    expect(await c.effectCounts('fence')).toEqual({ total: 0, distinct: 0 });
    await waitUntil(() => owned(a) === 0, 'a forgets the partition');
    // The thief gives it back without handling anything: a takes it again, and handles once.
    await db.pool.query(
      "UPDATE eventrail.consumer_partitions SET owner = NULL, lease_until = NULL WHERE consumer = 'fence'",
    );
    await waitUntil(async () => (await c.effectCounts('fence')).total >= 10, 'handled');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await c.effectCounts('fence')).toEqual({ total: 10, distinct: 10 });
    expect(a.metrics().handled).toBe(10);
  });
});
