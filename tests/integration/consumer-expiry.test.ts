/**
 * Retention and the durable consumer: a checkpoint older than what `maintain` kept stops its
 * partitions with a `CursorExpiredError` (an `error` event; nothing skipped, nothing handled),
 * a `from` Date older than it is refused by `start()`, and a consumer created from `'start'`
 * after a removal starts at what is kept.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CursorExpiredError } from '../../src/index.js';
import { maintain } from '../../src/postgres/index.js';
import { consumerOn, waitUntil } from '../helpers/consumer.js';
import { useTestDatabase } from '../helpers/database.js';
import { DAY, TODAY } from '../helpers/partitions.js';

const db = useTestDatabase();
const c = consumerOn(db);

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
});
