/**
 * A key the handler keeps failing on: retried with backoff, then parked in dead_letters with
 * the later events of its key behind it, while the other keys of its partition go on;
 * `replayDeadLetters()` sends them back through the handler once it is fixed, in order, once.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerError, EventRecord } from '../../src/index.js';
import type { QueryableLike } from '../../src/postgres/index.js';
import { maintain } from '../../src/postgres/index.js';
import { consumerOn, waitUntil } from '../helpers/consumer.js';
import { useTestDatabase } from '../helpers/database.js';
import { DAY, TODAY } from '../helpers/partitions.js';

const db = useTestDatabase();
const c = consumerOn(db);

beforeAll(() => c.createEffects());
afterEach(() => c.closeAll());

describe('Consumer dead letters', () => {
  it('parks a poison key after its retries while the other keys finish; replays it once fixed', async () => {
    // One partition: the poison key shares it with every other key.
    await c.seed(200, 10, { perTx: 20 });
    const write = c.effects('dl', 'm');
    let broken = true;
    const attempts: string[] = [];
    const handle = async (events: readonly EventRecord[], tx: QueryableLike) => {
      for (const e of events) {
        if (e.aggregateId === 'k3' && broken) {
          attempts.push(e.id);
          throw new Error(`poison ${e.id}`);
        }
      }
      await write(events, tx);
    };
    const consumer = c.make({
      name: 'dl',
      from: 'start',
      partitions: 1,
      batchSize: 30,
      retry: { retries: 2, minDelayMs: 5, maxDelayMs: 10 },
      handle,
    });
    const parkedErrors: unknown[] = [];
    consumer.on('error', (error) => {
      if (error.code === 'CONSUMER_PARKED') parkedErrors.push(error);
    });
    await consumer.start();
    await waitUntil(async () => (await c.effectCounts('dl')).total >= 180, 'the 9 other keys');
    await waitUntil(
      async () => (await consumer.stats()).deadLetters === 20,
      'the 20 events of k3 parked',
    );
    expect(await c.effectCounts('dl')).toEqual({ total: 180, distinct: 180 });
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM effects WHERE key = 'k3'");
    expect(rows[0].n).toBe(0);
    // The first event of k3 was tried 3 times alone (after the failing batch) and parked with
    // its error; the 19 behind it were parked unhandled (0 attempts), never tried.
    const dead = await consumer.deadLetters({ key: 'k3' });
    expect(dead).toHaveLength(20);
    expect(dead[0]).toMatchObject({ key: 'k3', attempts: 3, partition: 0 });
    expect(dead[0]?.lastError).toContain('poison');
    expect(dead.slice(1).every((d) => d.attempts === 0)).toBe(true);
    expect(new Set(attempts)).toEqual(new Set([dead[0]?.eventId]));
    expect(parkedErrors).toHaveLength(1);
    expect(consumer.metrics()).toMatchObject({ parked: 20, handled: 180 });
    // New events of k3 are parked behind, in order; the others still go on.
    await c.seed(20, 10);
    await waitUntil(async () => (await consumer.stats()).deadLetters === 22, 'two more parked');
    await waitUntil(async () => (await c.effectCounts('dl')).total >= 198, 'the others handled');

    // Still broken: the first fails again and stays parked, with the rest behind it.
    expect(await consumer.replayDeadLetters()).toEqual({
      handled: 0,
      failed: 1,
      expired: 0,
      busy: 0,
    });
    expect((await consumer.deadLetters({ key: 'k3' }))[0]?.attempts).toBe(4);
    broken = false;
    expect(await consumer.replayDeadLetters({ key: 'k3' })).toEqual({
      handled: 22,
      failed: 0,
      expired: 0,
      busy: 0,
    });
    expect((await consumer.stats()).deadLetters).toBe(0);
    // Later events of k3 are handled again as usual.
    await c.seed(10, 10);
    await waitUntil(async () => (await c.effectCounts('dl')).total >= 230, 'all handled');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await c.effectCounts('dl')).toEqual({ total: 230, distinct: 230 });
    expect(await c.keysOutOfOrder('dl')).toEqual([]);
  });

  it('close() stops a replay asked from the command line after the event in flight', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    await c.seed(6, 1);
    let broken = true;
    let calls = 0;
    let closed = false;
    let afterClose = 0;
    const consumer = c.make({
      name: 'stopped-replay',
      from: 'start',
      partitions: 1,
      retry: { retries: 0 },
      handle: async () => {
        if (broken) throw new Error('broken');
        calls += 1;
        if (closed) afterClose += 1;
        await new Promise((resolve) => setTimeout(resolve, 150));
      },
    });
    await consumer.start();
    await waitUntil(async () => (await consumer.stats()).deadLetters === 6, 'all parked');
    broken = false;
    // What `eventrail dead-letters retry` does; the member sends them back at its next beat.
    await db.pool.query(
      "UPDATE eventrail.dead_letters SET requested_at = now() WHERE consumer = 'stopped-replay'",
    );
    await waitUntil(async () => calls >= 1, 'the replay started');
    await consumer.close({ timeoutMs: 5000 });
    closed = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The event in flight was finished, and nothing after it: the rest stay parked.
    expect(afterClose).toBe(0);
    expect(calls).toBeLessThanOrEqual(2);
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM eventrail.dead_letters WHERE consumer = 'stopped-replay'",
    );
    expect(rows[0].n).toBe(6 - calls);
  });

  it('says so with an error event when dead letters asked back lost their events to retention', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    await c.seed(3, 1, { createdAt: new Date(TODAY - 3 * DAY) });
    let broken = true;
    const consumer = c.make({
      name: 'expired-letters',
      from: 'start',
      partitions: 1,
      retry: { retries: 0 },
      handle: async () => {
        if (broken) throw new Error('broken');
      },
    });
    const errors: ConsumerError[] = [];
    consumer.on('error', (error) => {
      if (error.code === 'CONSUMER_DEAD_LETTERS_EXPIRED') errors.push(error as ConsumerError);
    });
    await consumer.start();
    await waitUntil(async () => (await consumer.stats()).deadLetters === 3, 'all parked');
    expect((await maintain({ db: db.pool, retentionMs: DAY, premake: 0 })).defaultRowsExpired).toBe(
      3,
    );
    broken = false;
    await db.pool.query(
      "UPDATE eventrail.dead_letters SET requested_at = now() WHERE consumer = 'expired-letters'",
    );
    await waitUntil(async () => errors.length > 0, 'the error event');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toContain('3 dead letter(s)');
    expect((await consumer.stats()).deadLetters).toBe(0);
  });

  it('purges dead letters of a key', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    await c.seed(5, 1);
    const consumer = c.make({
      name: 'purge',
      from: 'start',
      partitions: 1,
      retry: { retries: 0 },
      handle: async () => {
        throw new Error('always');
      },
    });
    await consumer.start();
    await waitUntil(async () => (await consumer.stats()).deadLetters === 5, 'all parked');
    expect(await consumer.purgeDeadLetters({ key: 'nope' })).toBe(0);
    expect(await consumer.purgeDeadLetters({ key: 'k0' })).toBe(5);
    expect((await consumer.stats()).deadLetters).toBe(0);
  });

  it('strands no event: a replay that removes the last dead letter of a key while a batch parks behind it replays that one too', async () => {
    const insert = (keys: string[]) =>
      db.pool.query(
        `INSERT INTO eventrail.event_logs (id, event_type, user_id, aggregate_id, created_at)
         SELECT gen_random_uuid(), 'A', 'u', k, now() FROM unnest($1::text[]) AS k`,
        [keys],
      );
    await db.pool.query('TRUNCATE eventrail.event_logs');
    await insert(['P']);
    const write = c.effects('strand', 'm');
    let poison = true;
    let replay: Promise<unknown> | undefined;
    let replayed = false;
    const consumer = c.make({
      name: 'strand',
      from: 'start',
      partitions: 1,
      retry: { retries: 0 },
      handle: async (events: readonly EventRecord[], tx: QueryableLike) => {
        if (poison) throw new Error('poison');
        await write(events, tx);
        // The batch of O (P's new event parked behind P's dead letter, in this transaction):
        // the replay of P runs meanwhile; this batch commits once the replay removed P's dead
        // letter, or waits for a lock (then the replay waits for this batch).
        if (replay !== undefined || !events.some((e) => e.aggregateId === 'O')) return;
        replay = consumer.replayDeadLetters({ key: 'P' }).finally(() => {
          replayed = true;
        });
        await waitUntil(
          async () =>
            replayed ||
            (
              await db.pool.query(
                `SELECT count(*)::int AS n FROM pg_stat_activity
                 WHERE datname = current_database() AND wait_event_type = 'Lock'`,
              )
            ).rows[0].n > 0,
          'the replay is done or waits',
          3000,
        );
      },
    });
    await consumer.start();
    await waitUntil(async () => (await consumer.stats()).deadLetters === 1, 'P parked');
    poison = false;
    await insert(['P', 'O']);
    await waitUntil(() => replay !== undefined, 'the replay started');
    expect(await replay).toMatchObject({ handled: 2, failed: 0 });
    expect((await consumer.stats()).deadLetters).toBe(0);
    expect(await c.effectCounts('strand')).toEqual({ total: 3, distinct: 3 });
    expect(await c.keysOutOfOrder('strand')).toEqual([]);
  });
});
