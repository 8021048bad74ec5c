/**
 * Retention and the durable consumer: a checkpoint older than what `maintain` kept stops its
 * partitions with a `CursorExpiredError` (an `error` event; nothing skipped, nothing handled),
 * also when the removal commits between the member's reads; a `from` Date older than it is
 * refused by `start()`; a consumer created from `'start'` after a removal starts at what is
 * kept; a caught-up consumer whose filter matches nothing keeps its checkpoints up with the
 * log, so retention never stops it.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CursorExpiredError } from '../../src/index.js';
import { maintain } from '../../src/postgres/index.js';
import { tableNames } from '../../src/postgres/sql/names.js';
import { streamSql } from '../../src/postgres/sql/stream.js';
import { consumerOn, waitUntil } from '../helpers/consumer.js';
import { useTestDatabase } from '../helpers/database.js';
import { hookedPool } from '../helpers/hooked-pool.js';
import { DAY, TODAY } from '../helpers/partitions.js';

const db = useTestDatabase();
const c = consumerOn(db);

const expiredOf = (consumer: { on(event: 'error', listener: (e: unknown) => void): unknown }) => {
  const expired: CursorExpiredError[] = [];
  consumer.on('error', (error) => {
    if (error instanceof CursorExpiredError) expired.push(error);
  });
  return expired;
};

beforeAll(() => c.createEffects());
afterEach(() => c.closeAll());

describe('Consumer and retention', () => {
  it('a checkpoint retention passed stops its partitions with CursorExpiredError; from too old is refused', async () => {
    const behind = c.make({ name: 'behind', from: 'now', partitions: 2, handle: async () => {} });
    await behind.start();
    await behind.close();
    // Events committed after its checkpoint, created 3 days ago: removed by retention below.
    await c.seed(6, 2, { createdAt: new Date(TODAY - 3 * DAY) });
    await c.seed(3, 2);
    const result = await maintain({ db: db.pool, retentionMs: DAY, premake: 0 });
    expect(result.defaultRowsExpired).toBe(6);

    const again = c.make({
      name: 'behind',
      from: 'now',
      partitions: 2,
      handle: c.effects('behind', 'm'),
    });
    const expired: CursorExpiredError[] = [];
    again.on('error', (error) => {
      if (error instanceof CursorExpiredError) expired.push(error);
    });
    await again.start();
    await waitUntil(() => expired.length === 2, 'both partitions stop');
    expect(expired.map((e) => e.message).join('\n')).toContain("consumer 'behind'");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await c.effectCounts('behind')).toEqual({ total: 0, distinct: 0 });
    expect(again.metrics()).toMatchObject({ handled: 0, partitionsOwned: 2 });

    const tooOld = c.make({
      name: 'too-old',
      from: new Date(TODAY - 3 * DAY),
      handle: async () => {},
    });
    await expect(tooOld.start()).rejects.toBeInstanceOf(CursorExpiredError);

    // From 'start' now: what is kept, no error.
    const kept = c.make({ name: 'kept', from: 'start', handle: c.effects('kept', 'm') });
    const errors: unknown[] = [];
    kept.on('error', (error) => errors.push(error));
    await kept.start();
    await waitUntil(async () => (await c.effectCounts('kept')).total >= 3, 'the 3 kept');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await c.effectCounts('kept')).toEqual({ total: 3, distinct: 3 });
    expect(errors).toEqual([]);
  });

  it('a removal that commits between the check of retention and the read is seen after the read', async () => {
    const settledMark = streamSql(tableNames()).settledMark;
    let stage: 'off' | 'insert' | 'remove' | 'done' = 'off';
    // The member's statements: its mark, then (once events are in) its read of the partitions.
    const pool = hookedPool(db.pool, async (text) => {
      if (stage === 'insert' && text === settledMark) {
        stage = 'remove';
        // One transaction: 6 events created 3 days ago (removed below), 3 created now.
        await db.pool.query(
          `INSERT INTO eventrail.event_logs (id, event_type, user_id, aggregate_id, created_at)
           SELECT gen_random_uuid(), 'A', 'u', 'hole',
             CASE WHEN g <= 6 THEN $1::timestamptz ELSE now() END
           FROM generate_series(1, 9) AS g`,
          [new Date(TODAY - 3 * DAY)],
        );
      } else if (stage === 'remove' && text.includes('hashtext(')) {
        stage = 'done';
        const removed = await maintain({ db: db.pool, retentionMs: DAY, premake: 0 });
        expect(removed.defaultRowsExpired).toBe(6);
      }
    });
    const hole = c.make({
      db: pool,
      name: 'hole',
      from: 'now',
      partitions: 1,
      listen: false,
      handle: c.effects('hole', 'm'),
    });
    const expired = expiredOf(hole);
    await hole.start();
    stage = 'insert';
    await waitUntil(() => expired.length === 1, 'the partition stops', 5000);
    expect(stage).toBe('done');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await c.effectCounts('hole')).toEqual({ total: 0, distinct: 0 });
  });

  it('a caught-up consumer whose filter matches nothing keeps up with the log: retention never stops it', async () => {
    const rare = c.make({
      name: 'rare',
      from: 'now',
      partitions: 2,
      filters: { types: ['Rare'] },
      handle: c.effects('rare', 'm'),
    });
    const errors: unknown[] = [];
    rare.on('error', (error) => errors.push(error));
    await rare.start();
    // Events it never reads (another type), created 3 days ago: removed by retention below.
    await c.seed(6, 2, { createdAt: new Date(TODAY - 3 * DAY) });
    await waitUntil(
      async () =>
        (
          await db.pool.query(
            `SELECT bool_and(position_tx_id > (SELECT max(tx_id) FROM eventrail.event_logs)) AS past
             FROM eventrail.consumer_partitions WHERE consumer = 'rare'`,
          )
        ).rows[0].past === true,
      'its idle checkpoints move past them',
      3000,
    );
    const removed = await maintain({ db: db.pool, retentionMs: DAY, premake: 0 });
    expect(removed.defaultRowsExpired).toBe(6);
    await db.pool.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id, aggregate_id, created_at)
       VALUES (gen_random_uuid(), 'Rare', 'u', 'r', now())`,
    );
    await waitUntil(async () => (await c.effectCounts('rare')).total === 1, 'the rare event');
    expect(errors).toEqual([]);
  });
});
