import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { EventQueries, maintain, RollupWorker, rebuildRollups } from '../../src/postgres/index.js';
import { runCli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/database.js';
import { generateEvents, insertEvents } from '../helpers/events.js';
import { DAY, TODAY } from '../helpers/partitions.js';
import { expectExact, rollupState } from '../helpers/rollups.js';

const db = useTestDatabase();
const workers: RollupWorker[] = [];

function worker(options: { pollIntervalMs?: number; batchSize?: number } = {}) {
  const w = new RollupWorker({ db: db.pool, pollIntervalMs: 50, leaseMs: 2000, ...options });
  w.on('error', (error) => {
    throw error;
  });
  workers.push(w);
  return w;
}

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

/** Waits until the rollup is complete and its checkpoint has passed every event written so far. */
async function caughtUp() {
  const { rows } = await db.pool.query<{ tx: string }>(
    'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS tx',
  );
  const target = BigInt(rows[0]?.tx ?? '0');
  for (let i = 0; i < 400; i++) {
    const state = await rollupState(db.pool);
    if (state?.complete && BigInt(state.tx) >= target) return;
    await sleep(25);
  }
  throw new Error('the rollup worker did not catch up');
}

const scopes = [
  { userId: 'user-1' },
  { userId: 'user-2', projectId: 'project-3' },
  { userId: 'user-0', tenantId: 'tenant-0' },
];

describe('rollups', () => {
  it('builds from stored events and answers every aggregate exactly', async () => {
    await generateEvents(db.pool, {
      count: 20_000,
      users: 3,
      end: new Date(TODAY + DAY / 2),
      stepMs: 17_000,
    });
    const w = worker();
    await w.start();
    await caughtUp();
    expect(w.metrics().daysBuilt).toBeGreaterThan(2);
    const from = new Date(TODAY - 2 * DAY + 1234567);
    const to = new Date(TODAY + 7_654_321);
    for (const scope of scopes) {
      await expectExact(db.pool, { scope, filters: {} });
      await expectExact(db.pool, {
        scope,
        filters: { from, to },
        series: { bucket: 'hour', timeZone: 'Asia/Kathmandu' },
      });
      await expectExact(db.pool, {
        scope,
        filters: { from, to, types: ['ERROR', 'TOOL_REQUEST'] },
        series: { bucket: 'day', timeZone: 'America/New_York' },
      });
      await expectExact(db.pool, {
        scope,
        filters: { from, to, agentId: 'agent-3', errorsOnly: true },
        series: { bucket: 'minute', timeZone: 'UTC' },
      });
    }
  });

  it('stays exact while the worker is stopped (the tail is read raw), then catches up', async () => {
    const w = worker();
    await w.start();
    await caughtUp();
    await w.close();
    await insertEvents(
      db.pool,
      Array.from({ length: 300 }, (_, i) => ({
        type: i % 3 === 0 ? 'ERROR' : 'TOOL_REQUEST',
        userId: 'user-1',
        errorCode: i % 3 === 0 ? 'E9' : undefined,
        toolName: 'search',
        createdAt: new Date(TODAY - DAY + i * 60_000),
      })),
    );
    await expectExact(db.pool, { scope: { userId: 'user-1' }, filters: {} });
    await expectExact(db.pool, {
      scope: { userId: 'user-1' },
      filters: { from: new Date(TODAY - 2 * DAY), to: new Date(TODAY) },
      series: { bucket: 'hour', timeZone: 'Asia/Kolkata' },
    });
    const again = worker();
    await again.start();
    await caughtUp();
    await expectExact(db.pool, { scope: { userId: 'user-1' }, filters: {} });
  });

  it('rebuilds while events are written, without missing or counting twice', async () => {
    const w = worker();
    await w.start();
    await caughtUp();
    let writing = true;
    const writer = (async () => {
      let i = 0;
      while (writing) {
        await insertEvents(db.pool, [
          {
            type: 'TASK_STARTED',
            userId: 'user-2',
            projectId: 'project-3',
            createdAt: new Date(TODAY - (i % 3) * DAY),
          },
        ]);
        i++;
      }
    })();
    const progress: number[] = [];
    const result = await rebuildRollups({ db: db.pool, onProgress: (p) => progress.push(p.done) });
    writing = false;
    await writer;
    expect(result.days).toBeGreaterThan(2);
    expect(progress.at(-1)).toBe(result.days);
    await expectExact(db.pool, {
      scope: { userId: 'user-2', projectId: 'project-3' },
      filters: {},
    });
    await caughtUp();
    await expectExact(db.pool, {
      scope: { userId: 'user-2', projectId: 'project-3' },
      filters: {},
    });
  });

  it('loses the events retention removes, with them', async () => {
    const w = worker();
    await w.start();
    await caughtUp();
    const before = await new EventQueries({ db: db.pool }).countsByType({ userId: 'user-1' });
    const result = await maintain({
      db: db.pool,
      retentionMs: 1 * DAY,
      now: new Date(TODAY + DAY / 2),
    });
    expect(result.dropped.length + result.defaultRowsExpired).toBeGreaterThan(0);
    const after = await new EventQueries({ db: db.pool }).countsByType({ userId: 'user-1' });
    expect(after).not.toEqual(before);
    for (const scope of scopes) await expectExact(db.pool, { scope, filters: {} });
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM eventrail.event_rollups WHERE events <= 0`,
    );
    expect(rows[0]?.n).toBe(0);
  });

  it('rebuilds from the command line, with a JSON line per day off a terminal', async () => {
    const from = new Date(TODAY - DAY).toISOString().slice(0, 10);
    const run = await runCli('rollups', 'rebuild', '--from', from, '--url', db.url);
    expect(run.stderr).not.toContain('Error');
    expect(run.code).toBe(0);
    const lines = run.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({ done: lines.length, total: lines.length });
    expect(lines[0].day).toBe(from);
    expect(run.stdout).toMatch(new RegExp(`^rebuilt: ${lines.length} day\\(s\\) in `));
    for (const scope of scopes) await expectExact(db.pool, { scope, filters: {} });
    const bad = await runCli('rollups', 'rebuild', '--from', 'yesterday', '--url', db.url);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--from: 'yesterday' is not a date");
  });
});
