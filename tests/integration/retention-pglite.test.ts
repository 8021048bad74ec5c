/**
 * The partitioned layout and its maintenance on PGlite (the demo's database): the migration's
 * partitions, a boundary row, partitions made ahead and dropped, and the maintenance timer.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type MaintenanceResult,
  maintain,
  migrate,
  startMaintenance,
} from '../../src/postgres/index.js';
import { insertEvents } from '../helpers/events.js';
import { DAY, dayPartition, partitionNames, partitionOf, TODAY } from '../helpers/partitions.js';

describe('retention on PGlite', () => {
  const pglite = new PGlite();
  afterAll(async () => {
    await pglite.close();
  });

  it('migrates to the partitioned layout and maintains it', async () => {
    await migrate(pglite);
    expect(await partitionNames(pglite)).toEqual(
      ['event_logs_default', ...[0, 1, 2, 3].map(dayPartition)].sort(),
    );
    const [last, first] = await insertEvents(pglite, [
      { type: 'X', userId: 'u', createdAt: new Date(TODAY + 2 * DAY - 1) },
      { type: 'X', userId: 'u', createdAt: new Date(TODAY + 2 * DAY) },
    ]);
    expect(await partitionOf(pglite, [last!.id, first!.id])).toEqual({
      [last!.id]: dayPartition(1),
      [first!.id]: dayPartition(2),
    });
    const ahead = await maintain(pglite, { now: new Date(TODAY + DAY), premake: 5 });
    expect(ahead.created).toEqual([4, 5, 6].map(dayPartition));
    const expired = await maintain(pglite, {
      now: new Date(TODAY + 3 * DAY),
      retention: '1 day',
      premake: 0,
    });
    expect(expired.dropped).toEqual([dayPartition(0), dayPartition(1)]);
    expect(await partitionOf(pglite, [last!.id, first!.id])).toEqual({
      [first!.id]: dayPartition(2),
    });
  });

  it('runs on a timer that reports each run in events and metrics, until stopped', async () => {
    await pglite.query(
      `INSERT INTO eventrail.event_inbox (consumer, event_id, handled_at)
       VALUES ('billing', gen_random_uuid(), now() - interval '2 days')`,
    );
    const timer = startMaintenance({
      db: pglite,
      intervalMs: 10,
      premake: 10,
      inboxRetention: '1 day',
    });
    const runs: MaintenanceResult[] = [];
    await new Promise<void>((resolve) => {
      timer.on('run', (result) => {
        runs.push(result);
        if (runs.length === 3) resolve();
      });
    });
    await timer.stop();
    await timer.stop();
    const created = runs.flatMap((r) => r.created);
    expect(created.length).toBeGreaterThan(0);
    expect(runs.slice(1).every((r) => r.created.length === 0)).toBe(true);
    expect(timer.metrics()).toMatchObject({
      runs: runs.length,
      skippedRuns: 0,
      failedRuns: 0,
      partitionsCreated: created.length,
      inboxRowsPurged: 1,
    });
    expect(timer.metrics().lastRunAt).toBeInstanceOf(Date);
    const after = runs.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(runs.length).toBe(after);
  });
});
