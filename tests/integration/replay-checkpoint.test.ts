/**
 * A named `replay()`: its checkpoint refused without `resume`, resumed after, held by one run at
 * a time; a transient error of the sink retried, a permanent one stopping the run with how far it
 * got (and where its checkpoint stands); a `from` or a checkpoint older than what retention kept
 * refused, and retention during a run stopping it loudly.
 */
import { describe, expect, it } from 'vitest';
import { CursorExpiredError } from '../../src/index.js';
import { maintain, ReplayError } from '../../src/postgres/index.js';
import { horizonSql } from '../../src/postgres/sql/horizon.js';
import { tableNames } from '../../src/postgres/sql/names.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { DAY, TODAY } from '../helpers/partitions.js';
import { recorder, replayOn } from '../helpers/replay.js';

const db = useTestDatabase();
const { inOrder, oldEvents, run, checkpointOf } = replayOn(db);

describe('a named replay', () => {
  it('keeps a named checkpoint: refused without resume, resumed after it, busy while a run holds it', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    const first = await inOrder(Array.from({ length: 7 }, () => ({ type: 'A', userId: 'u' })));
    const done = await run({ from: 'start', sink: recorder(), name: 'n1', maxBatchSize: 3 });
    expect(done).toMatchObject({ published: 7, lastEventId: first[6]?.id });
    expect(await checkpointOf('n1')).toBe(first[6]?.id);
    const again = run({ from: 'start', sink: recorder(), name: 'n1' });
    await expect(again).rejects.toMatchObject({ code: 'REPLAY_CHECKPOINT_EXISTS' });
    await expect(again).rejects.toBeInstanceOf(ReplayError);
    const other = run({ from: new Date(TODAY), sink: recorder(), name: 'n1', resume: true });
    await expect(other).rejects.toMatchObject({ code: 'VALIDATION_RANGE', field: 'options.from' });
    const more = await inOrder([
      { type: 'A', userId: 'u' },
      { type: 'A', userId: 'u' },
    ]);
    const sink = recorder();
    const resumed = await run({ from: 'start', sink, name: 'n1', resume: true });
    expect(sink.ids).toEqual(more.map((e) => e.id));
    expect(resumed).toMatchObject({ published: 2, resumedFrom: first[6]?.id });

    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered = () => {};
    const writing = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const blocked = recorder();
    const write = blocked.write.bind(blocked);
    blocked.write = async (batch) => {
      entered();
      await held;
      await write(batch);
    };
    const holder = run({ from: 'start', sink: blocked, name: 'n2' });
    await writing;
    const busy = run({ from: 'start', sink: recorder(), name: 'n2', resume: true });
    await expect(busy).rejects.toMatchObject({ code: 'REPLAY_BUSY' });
    release();
    expect((await holder).published).toBe(9);
  });

  it('retries a transient error of the sink, and stops at a permanent one saying how far it got', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    const events = await inOrder(Array.from({ length: 10 }, () => ({ type: 'A', userId: 'u' })));
    const ids = events.map((e) => e.id);
    const flaky = recorder((write) =>
      write === 1 ? Object.assign(new Error('reset'), { transient: true }) : undefined,
    );
    const retried = await run({
      from: 'start',
      sink: flaky,
      maxBatchSize: 3,
      retry: { minDelayMs: 1 },
    });
    expect(retried.published).toBe(10);
    expect(flaky.writes).toBe(5);
    expect(flaky.ids).toEqual(ids);

    const refused = new Error('no such exchange');
    const broken = recorder((write) => (write === 2 ? refused : undefined));
    const options = { from: 'start', maxBatchSize: 3, writesInFlight: 1, name: 'broken' } as const;
    const stopped = run({ ...options, sink: broken });
    await expect(stopped).rejects.toMatchObject({
      code: 'REPLAY_SINK_FAILED',
      published: 6,
      lastEventId: ids[5],
      cause: refused,
    });
    expect(broken.writes).toBe(3);
    expect(await checkpointOf('broken')).toBe(ids[5]);
    const rest = recorder();
    await run({ ...options, sink: rest, resume: true });
    expect(rest.ids).toEqual(ids.slice(6));
  });

  it('refuses a from, or a checkpoint, older than what retention kept; start is what is kept', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    const old = await oldEvents(4);
    const recent = await inOrder(Array.from({ length: 3 }, () => ({ type: 'A', userId: 'u' })));
    const options = { name: 'old', maxBatchSize: 2, writesInFlight: 1 } as const;
    const cut = recorder((write) => (write === 1 ? new Error('stop') : undefined));
    await expect(run({ ...options, from: 'start', sink: cut })).rejects.toMatchObject({
      code: 'REPLAY_SINK_FAILED',
      lastEventId: old[1]?.id,
    });
    const result = await maintain({ db: db.pool, retentionMs: DAY, premake: 0 });
    expect(result.defaultRowsExpired).toBe(4);

    const expired = run({ from: new Date(TODAY - 3 * DAY), sink: recorder() });
    await expect(expired).rejects.toBeInstanceOf(CursorExpiredError);
    await expect(expired).rejects.toMatchObject({
      message: expect.stringMatching(/^options\.from/),
    });
    const resumed = run({ ...options, from: 'start', sink: recorder(), resume: true });
    await expect(resumed).rejects.toMatchObject({
      code: 'CURSOR_EXPIRED',
      message: expect.stringContaining("the checkpoint of replay 'old'"),
    });
    const kept = recorder();
    await run({ from: 'start', sink: kept });
    expect(kept.ids).toEqual(recent.map((e) => e.id));
    const sinceYesterday = recorder();
    await run({ from: new Date(Date.now() - DAY / 2), sink: sinceYesterday });
    expect(sinceYesterday.ids).toEqual(recent.map((e) => e.id));
  });

  it('stops loudly when retention removes all it had left to publish, before its first read', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs, eventrail.retention_horizon');
    const old = await oldEvents(4);
    const options = { name: 'cut', maxBatchSize: 2, writesInFlight: 1 } as const;
    const cut = recorder((write) => (write === 1 ? new Error('stop') : undefined));
    await expect(run({ ...options, from: 'start', sink: cut })).rejects.toMatchObject({
      lastEventId: old[1]?.id,
    });
    // Retention removes the two left (as `maintain` does: rows and horizon in one transaction)
    // while the resumed run, past its start checks, waits to read them.
    const removal = await db.pool.connect();
    try {
      await removal.query('BEGIN');
      await removal.query('LOCK TABLE eventrail.event_logs IN ACCESS EXCLUSIVE MODE');
      const sink = recorder();
      const resumed = run({ ...options, from: 'start', sink, resume: true });
      resumed.catch(() => {});
      await waitFor(async () => {
        const { rows } = await db.pool.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return rows[0].n === 1;
      });
      const last = await removal.query(
        `DELETE FROM eventrail.event_logs WHERE id = ANY($1::uuid[])
         RETURNING tx_id::text AS tx, id::text AS id, created_at`,
        [[old[2]?.id, old[3]?.id]],
      );
      // The later of the two in commit order (each was committed alone, in order).
      const through = last.rows.find((r) => r.id === old[3]?.id);
      await removal.query(horizonSql(tableNames()).raise, [
        through.created_at.getTime() + 1,
        through.tx,
        through.id,
      ]);
      await removal.query('COMMIT');
      await expect(resumed).rejects.toBeInstanceOf(CursorExpiredError);
      expect(sink.ids).toEqual([]);
    } finally {
      await removal.query('ROLLBACK').catch(() => {});
      removal.release();
    }
  });

  it('stops loudly when retention removes events it has yet to publish', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs, eventrail.retention_horizon');
    const old = await oldEvents(6);
    await inOrder([{ type: 'A', userId: 'u' }]);
    // Retention runs while the first batch is being written, and removes the rest of the old.
    const sink = recorder();
    const write = sink.write.bind(sink);
    sink.write = async (batch) => {
      if (sink.writes === 0) await maintain({ db: db.pool, retentionMs: DAY, premake: 0 });
      await write(batch);
    };
    const options = { from: 'start', sink, maxBatchSize: 2, writesInFlight: 1 } as const;
    await expect(run(options)).rejects.toBeInstanceOf(CursorExpiredError);
    // What it read before the removal, it published, in order; it stopped before any gap.
    expect(sink.ids.length).toBeGreaterThanOrEqual(2);
    expect(sink.ids).toEqual(old.slice(0, sink.ids.length).map((e) => e.id));
  });
});
