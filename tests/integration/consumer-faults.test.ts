/**
 * A durable consumer's fence and its faults: a connection lost after a partition's first batch
 * committed (the next read starts from the stored checkpoint, not the one in memory), a lease
 * lost while nobody else took the partition (taken back at the next beat), a handler that
 * swallows a database error (a handler failure: retried, then parked), and two live instances
 * of one member id (the second refused).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/index.js';
import { ConsumerError } from '../../src/index.js';
import type { QueryableLike } from '../../src/postgres/index.js';
import { consumerOn, waitUntil } from '../helpers/consumer.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();
const c = consumerOn(db);

beforeAll(() => c.createEffects());
afterEach(() => c.closeAll());

const handledAll = (name: string, n: number) => async () => (await c.effectCounts(name)).total >= n;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Consumer faults', () => {
  it("each effect once when the connection dies in a partition's second batch, the first committed", async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    // One key: one partition of 4 reads 40 events (10 a partition's batch, 4 partitions).
    await c.seed(100, 1);
    let calls = 0;
    const write = c.effects('reset', 'a');
    const a = c.make({
      name: 'reset',
      from: 'start',
      partitions: 4,
      batchSize: 10,
      handle: async (events: readonly EventRecord[], tx: QueryableLike) => {
        await write(events, tx);
        calls += 1;
        if (calls !== 2) return;
        const { rows } = await tx.query('SELECT pg_backend_pid() AS pid');
        await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      },
    });
    await a.start();
    await waitUntil(handledAll('reset', 100), 'the 100 events are handled');
    await pause(200);
    expect(calls).toBeGreaterThan(10);
    expect(a.metrics().errors).toBeGreaterThan(0);
    expect(await c.effectCounts('reset')).toEqual({ total: 100, distinct: 100 });
    expect(await c.keysOutOfOrder('reset')).toEqual([]);
  });

  it('takes back at the next beat a partition whose lease ran out while nobody took it', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    await c.seed(10, 1);
    let calls = 0;
    const write = c.effects('late', 'a');
    const a = c.make({
      name: 'late',
      from: 'start',
      partitions: 1,
      leaseMs: 3000,
      heartbeatMs: 1000,
      handle: async (events: readonly EventRecord[], tx: QueryableLike) => {
        await write(events, tx);
        calls += 1;
        // A late heartbeat: the lease runs out before the batch's fence, nobody takes it.
        if (calls === 1) {
          await db.pool.query(
            `UPDATE eventrail.consumer_partitions SET lease_until = now() - interval '1 second'
             WHERE consumer = 'late'`,
          );
        }
      },
    });
    const taken: number[] = [];
    a.on('rebalance', (info) => taken.push(...info.taken));
    await a.start();
    await waitUntil(() => a.metrics().leaseLost === 1, 'the batch rolled back');
    await waitUntil(handledAll('late', 10), 'the partition is handled again', 5000);
    await pause(200);
    expect(await c.effectCounts('late')).toEqual({ total: 10, distinct: 10 });
    expect(taken).toEqual([0, 0]);
    expect(a.metrics().partitionsOwned).toBe(1);
  });

  it('parks the events of a handler that swallows a database error (its transaction aborted)', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    await c.seed(2, 2);
    const errors: ConsumerError[] = [];
    const write = c.effects('swallow', 'a');
    const a = c.make({
      name: 'swallow',
      from: 'start',
      partitions: 1,
      retry: { retries: 1, minDelayMs: 5, maxDelayMs: 10 },
      handle: async (events: readonly EventRecord[], tx: QueryableLike) => {
        await write(events, tx);
        await tx.query('SELECT 1 / 0').catch(() => undefined);
      },
    });
    a.on('error', (error) => {
      if (error instanceof ConsumerError) errors.push(error);
    });
    await a.start();
    await waitUntil(() => a.metrics().parked === 2, 'both events are parked', 5000);
    expect(errors.map((e) => e.code)).toEqual(['CONSUMER_PARKED', 'CONSUMER_PARKED']);
    const letters = await a.deadLetters();
    expect(letters.map((l) => l.attempts)).toEqual([2, 2]);
    for (const letter of letters) expect(letter.lastError).toContain('transaction aborted');
    expect(await c.effectCounts('swallow')).toEqual({ total: 0, distinct: 0 });
  });

  it('refuses to start a second live Consumer of the same member id, and leaves the first alone', async () => {
    const first = c.make({
      name: 'twin',
      from: 'now',
      partitions: 2,
      member: 'w1',
      handle: async () => {},
    });
    await first.start();
    const twin = c.make({
      name: 'twin',
      from: 'now',
      partitions: 2,
      member: 'w1',
      handle: async () => {},
    });
    const refused = await twin.start().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConsumerError);
    expect(refused).toMatchObject({ code: 'CONSUMER_MEMBER_TAKEN', consumer: 'twin' });
    expect(await twin.close()).toEqual({ timedOut: false, released: 0 });
    const stats = await first.stats();
    expect(stats.partitions.map((p) => p.owner)).toEqual(['w1', 'w1']);
    // Once the first left, the id is free.
    await first.close();
    const next = c.make({
      name: 'twin',
      from: 'now',
      partitions: 2,
      member: 'w1',
      handle: async () => {},
    });
    await next.start();
    expect(next.metrics().partitionsOwned).toBe(2);
  });
});
