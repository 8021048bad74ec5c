/**
 * Rollup reads at their edges, each once a bug: a range that is empty (from = to); the counts
 * of a day retention removed before the first build had reached it (a build cut short, then
 * started again from the oldest event left), none below zero; '' given for a dimension; a
 * custom rollup read with a definition other than the one it was built for; the tail and the
 * batch compiled by JIT at every call (0.5 s of a 1 ms read at 2M rows).
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { defineRollup, EventQueries, maintain, rebuildRollups } from '../../src/postgres/index.js';
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

  it('read a custom rollup built for another definition from the raw rows (a rolling deploy)', async () => {
    onTestFinished(emptyTables);
    const dimensions = { status: { payload: 'status' } };
    const outcomes = defineRollup({ name: 'outcomes', types: ['enrichment_progress'], dimensions });
    // The same name, another definition: what a newer version of the host starts its worker with.
    const newer = defineRollup({ name: 'outcomes', types: ['enrichment_done'], dimensions });
    await insertEvents(
      db.pool,
      Array.from({ length: 10 }, (_, i) => ({
        type: 'enrichment_progress',
        userId: 'u2',
        payload: { status: i % 5 === 0 ? 'no_match' : 'matched' },
        createdAt: new Date(TODAY - DAY + i * 1000),
      })),
    );
    const q = new EventQueries({ db: db.pool });
    const expected = [
      { dimensions: { status: 'matched' }, events: 8, sums: {} },
      { dimensions: { status: 'no_match' }, events: 2, sums: {} },
    ];
    await rebuildRollups({ db: db.pool, rollup: outcomes });
    expect(await q.rollup(outcomes, { userId: 'u2' }, { by: ['status'] })).toEqual(expected);
    await rebuildRollups({ db: db.pool, rollup: newer });
    expect(await q.rollup(newer, { userId: 'u2' })).toEqual([]);
    expect(await q.rollup(outcomes, { userId: 'u2' }, { by: ['status'] })).toEqual(expected);
  });

  it('run the tail and the batch functions without JIT, even where everything else is compiled', async () => {
    onTestFinished(emptyTables);
    const { rows } = await db.pool.query<{ available: boolean }>(
      'SELECT pg_jit_available() AS available',
    );
    expect(rows[0]?.available, 'this server has no JIT: the test would prove nothing').toBe(true);
    await insertEvents(db.pool, [{ type: 'ERROR', userId: 'u0', errorCode: 'E1' }]);
    await rebuildRollups({ db: db.pool });
    const client = await db.pool.connect();
    const plans: string[] = [];
    client.on('notice', (notice) => plans.push(notice.message ?? ''));
    try {
      // auto_explain sends the plans of the statements run inside functions as notices.
      await client.query(`LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0;
SET auto_explain.log_nested_statements = on; SET auto_explain.log_analyze = on;
SET auto_explain.log_format = json; SET client_min_messages = log;
SET jit = on; SET jit_above_cost = 0`);
      const tail = `SELECT count(*) FROM eventrail.rollup_tail('events', 'u0', NULL, NULL, now() - interval '1 day', now())`;
      const batch = `SELECT count(*) FROM eventrail.rollup_batch('0'::xid8, '00000000-0000-0000-0000-000000000000', '1000000'::xid8, 10)`;
      await client.query(tail);
      await client.query(batch);
    } finally {
      client.release(true);
    }
    const inner = plans.filter((p) => p.includes('event_logs') && !p.includes('rollup_'));
    const outer = plans.filter((p) => p.includes('rollup_tail') || p.includes('rollup_batch'));
    expect(inner.length).toBeGreaterThanOrEqual(2);
    // The calls themselves are compiled (jit_above_cost = 0): JIT is on in this session.
    expect(outer.every((p) => p.includes('"JIT"'))).toBe(true);
    for (const plan of inner) expect(plan).not.toContain('"JIT"');
  });
});
