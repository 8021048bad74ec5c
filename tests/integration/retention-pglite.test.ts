/**
 * The partitioned layout and its maintenance on PGlite (the demo's database): the migration's
 * partitions, a boundary row, partitions made ahead and dropped, and the maintenance timer.
 */
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { ClosedError } from '../../src/index.js';
import {
  type MaintenanceResult,
  MaintenanceTimer,
  maintain,
  migrate,
} from '../../src/postgres/index.js';
import { insertEvents } from '../helpers/events.js';
import { DAY, dayPartition, partitionNames, partitionOf, TODAY } from '../helpers/partitions.js';

describe('retention on PGlite', () => {
  const pglite = new PGlite();
  afterAll(async () => {
    await pglite.close();
  });

  it('migrates to the partitioned layout and maintains it', async () => {
    await migrate({ db: pglite });
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
    const ahead = await maintain({ db: pglite, now: new Date(TODAY + DAY), premake: 5 });
    expect(ahead.created).toEqual([4, 5, 6].map(dayPartition));
    const expired = await maintain({
      db: pglite,
      now: new Date(TODAY + 3 * DAY),
      retentionMs: DAY,
      premake: 0,
    });
    expect(expired.dropped).toEqual([dayPartition(0), dayPartition(1)]);
    expect(await partitionOf(pglite, [last!.id, first!.id])).toEqual({
      [first!.id]: dayPartition(2),
    });
  });

  it('runs on a timer that reports each run in events and metrics, until closed', async () => {
    await pglite.query(
      `INSERT INTO eventrail.event_inbox (consumer, event_id, handled_at)
       VALUES ('billing', gen_random_uuid(), now() - interval '2 days')`,
    );
    const timer = new MaintenanceTimer({
      db: pglite,
      intervalMs: 10,
      premake: 10,
      inboxRetentionMs: DAY,
    });
    const runs: MaintenanceResult[] = [];
    timer.on('run', (result) => runs.push(result));
    await new Promise((r) => setTimeout(r, 50));
    expect(runs).toEqual([]); // nothing runs before start()
    const third = new Promise<void>((resolve) => {
      timer.on('run', () => {
        if (runs.length === 3) resolve();
      });
    });
    const started = timer.start();
    expect(timer.start()).toBe(started);
    await started;
    expect(runs.length).toBeGreaterThanOrEqual(1); // start() waited for the first run
    await third;
    const closing = timer.close();
    expect(timer.close()).toBe(closing);
    expect(await closing).toEqual({ timedOut: false, runInProgress: false });
    await expect(timer.start()).rejects.toBeInstanceOf(ClosedError);
    await expect(timer.runNow()).rejects.toBeInstanceOf(ClosedError);
    const created = runs.flatMap((r) => r.created);
    expect(created.length).toBeGreaterThan(0);
    expect(runs.slice(1).every((r) => r.created.length === 0)).toBe(true);
    const metrics = timer.metrics();
    expect(metrics).toMatchObject({
      runs: runs.length,
      skippedRuns: 0,
      failedRuns: 0,
      partitionsCreated: created.length,
      inboxRowsPurged: 1,
      runInProgress: false,
      runDurationMs: { count: runs.length },
    });
    expect(metrics.lastRunAtMs).toBeGreaterThan(Date.now() - 60_000);
    expect(metrics.lastRunAtMs).toBeLessThanOrEqual(Date.now());
    const after = runs.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(runs.length).toBe(after);
  });
});
