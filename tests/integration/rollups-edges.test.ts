/**
 * Rollup reads at their edges, each once a bug: a range that is empty (from = to), and the
 * counts of a day retention removed before the first build had reached it (a build cut short,
 * then started again from the oldest event left) — none below zero.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { maintain, rebuildRollups } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';
import { DAY, TODAY } from '../helpers/partitions.js';
import { expectExact, rollupState } from '../helpers/rollups.js';

const db = useTestDatabase();
const HOUR = 3_600_000;

/** No events and no rollup, for the next test. */
async function emptyTables(): Promise<void> {
  await db.pool.query('TRUNCATE eventrail.event_logs, eventrail.event_rollups, eventrail.rollups');
}

describe('rollups at the edges', () => {
  it('answer an empty range (from = to) as the raw rows do', async () => {
    onTestFinished(emptyTables);
    await insertEvents(db.pool, [{ type: 'ERROR', userId: 'u0', errorCode: 'E1' }]);
    await rebuildRollups({ db: db.pool });
    expect((await rollupState(db.pool))?.complete).toBe(true);
    const from = new Date(TODAY + 5 * HOUR);
    await expectExact(db.pool, { scope: { userId: 'u0' }, filters: { from, to: from } });
    await expectExact(db.pool, {
      scope: { userId: 'u0' },
      filters: { from, to: from },
      series: { bucket: 'hour', timeZone: 'Asia/Kathmandu' },
    });
  });

  it('keep no count of events retention removed before the rollup held them (a build cut short)', async () => {
    onTestFinished(emptyTables);
    await insertEvents(db.pool, [
      { type: 'ERROR', userId: 'u0', errorCode: 'E1', createdAt: new Date(TODAY - 10 * DAY) },
      { type: 'TASK_STARTED', userId: 'u0', createdAt: new Date(TODAY + HOUR) },
    ]);
    // The rollup made and its days from today on built, the older day not yet: as a first
    // build stopped (its worker killed) after some days leaves it.
    await rebuildRollups({ db: db.pool, from: new Date(TODAY) });
    expect((await rollupState(db.pool))?.complete).toBe(false);
    const removed = await maintain({ db: db.pool, retentionMs: 5 * DAY });
    expect(removed.defaultRowsExpired).toBe(1);
    // The next build starts from the oldest stored event: today.
    await rebuildRollups({ db: db.pool });
    expect((await rollupState(db.pool))?.complete).toBe(true);
    await expectExact(db.pool, { scope: { userId: 'u0' }, filters: {} });
    const { rows } = await db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM eventrail.event_rollups WHERE events <= 0',
    );
    expect(rows[0]?.n).toBe(0);
  });

  it("count an agent, error code or tool given as '' apart from none", async () => {
    onTestFinished(emptyTables);
    await insertEvents(db.pool, [
      { type: 'TOOL_RESULT', userId: 'u0', errorCode: '', toolName: '', agentId: '' },
      { type: 'AGENT_SWITCHED', userId: 'u0', agentId: '\u0001' },
      { type: 'AGENT_SWITCHED', userId: 'u0', agentId: '' },
      { type: 'ERROR', userId: 'u0' },
    ]);
    await rebuildRollups({ db: db.pool });
    expect((await rollupState(db.pool))?.complete).toBe(true);
    await expectExact(db.pool, { scope: { userId: 'u0' }, filters: {} });
    await expectExact(db.pool, { scope: { userId: 'u0' }, filters: { agentId: '\u0001' } });
  });
});
