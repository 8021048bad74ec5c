/**
 * `replay()` against a real database, into sinks of the test's own (an eventrail `Sink` that
 * records, fails or blocks as told): commit order, `from` a time and `to`, scope and filters,
 * the finite bound, the pace, an abort, the host's connection left as it was, and the options
 * refused. The named checkpoint, failures and retention are in replay-checkpoint.test.ts; the
 * 50,000-event runs to real brokers, killed and resumed, in replay-crash.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { type EventRecord, type Sink, ValidationError } from '../../src/index.js';
import { type ReplayOptions, replay } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { TODAY } from '../helpers/partitions.js';
import { MINUTE, recorder, replayOn } from '../helpers/replay.js';

const db = useTestDatabase();
const { inOrder, run } = replayOn(db);

describe('replay', () => {
  it('publishes in commit order the events of a scope and filters created from `from` and before `to`', async () => {
    const t0 = TODAY + 3 * 3_600_000;
    const events = await inOrder(
      Array.from({ length: 40 }, (_, i) => ({
        type: i % 3 === 0 ? 'B' : 'A',
        userId: i % 2 === 0 ? 'scoped' : 'other',
        projectId: 'p',
        createdAt: new Date(t0 + i * MINUTE),
      })),
    );
    const sink = recorder();
    const from = new Date(t0 + 10 * MINUTE);
    const to = new Date(t0 + 30 * MINUTE);
    const summary = await run({
      from,
      to,
      scope: { userId: 'scoped', projectId: 'p' },
      filters: { types: ['A'] },
      sink,
      maxBatchSize: 4,
    });
    const expected = events
      .filter((e, i) => i >= 10 && i < 30 && e.userId === 'scoped' && e.type === 'A')
      .map((e) => e.id);
    expect(expected.length).toBeGreaterThan(4);
    expect(sink.ids).toEqual(expected);
    expect(Math.max(...sink.sizes)).toBe(4);
    expect(summary).toMatchObject({
      published: expected.length,
      lastEventId: expected.at(-1),
      resumedFrom: null,
      to,
    });
    // Every scope, from the start: all 40, in the order they committed.
    const all = recorder();
    await run({ from: 'start', sink: all });
    expect(all.ids).toEqual(events.map((e) => e.id));
  });

  it('ends at the settled mark when it started: an event committed meanwhile is not published', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    // Reads after the first write (and the late commit) find its event unless the mark holds.
    const before = await inOrder(Array.from({ length: 4 }, () => ({ type: 'A', userId: 'u' })));
    let late: EventRecord[] = [];
    const sink = recorder();
    const write = sink.write.bind(sink);
    sink.write = async (batch) => {
      if (late.length === 0) late = await inOrder([{ type: 'A', userId: 'u' }]);
      await write(batch);
    };
    await run({ from: 'start', sink, maxBatchSize: 1 });
    expect(late).toHaveLength(1);
    expect(sink.ids).toEqual(before.map((e) => e.id));
  });

  it('paces at ratePerSecond, a tenth of a second per batch, and stops when its signal aborts', async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    await db.pool.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id, created_at)
       SELECT gen_random_uuid(), 'A', 'u', now() FROM generate_series(1, 300)`,
    );
    const paced = recorder();
    const summary = await run({ from: 'start', sink: paced, ratePerSecond: 600 });
    expect(paced.sizes).toEqual([60, 60, 60, 60, 60]);
    // The fifth batch starts when the 240 before it had their time: 0.4 s.
    expect(summary.durationMs).toBeGreaterThanOrEqual(390);

    const controller = new AbortController();
    const aborted = recorder((write) => {
      if (write === 1) controller.abort(new Error('enough'));
      return undefined;
    });
    const stopped = run({
      from: 'start',
      sink: aborted,
      maxBatchSize: 50,
      writesInFlight: 1,
      signal: controller.signal,
    });
    await expect(stopped).rejects.toMatchObject({ code: 'REPLAY_ABORTED', published: 50 });
    expect(aborted.writes).toBe(2);
  });

  it("leaves the settings of a host's connection as they were", async () => {
    const pg = (await import('pg')).default;
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const setting = async (name: string) => (await client.query(`SHOW ${name}`)).rows[0][name];
      const summary = await replay({ db: client, from: 'start', sink: recorder() });
      expect(summary.published).toBeGreaterThan(0);
      expect(await setting('enable_seqscan')).toBe('off');
      expect(await setting('enable_sort')).toBe('on');
      expect(await setting('enable_bitmapscan')).toBe('on');
    } finally {
      await client.end();
    }
  });

  it('refuses options it does not know, filters.from, resume without a name, and to before from', async () => {
    const sink: Sink = recorder();
    const refused = async (options: object, field: string) => {
      const error = await replay({
        db: db.pool,
        from: 'start',
        sink,
        ...options,
      } as ReplayOptions).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ field });
    };
    await refused({ ratePerSecnd: 5 }, 'options.ratePerSecnd');
    await refused({ filters: { from: new Date() } }, 'options.filters.from');
    await refused({ filters: { typess: ['A'] } }, 'options.filters.typess');
    await refused({ scope: { userId: '' } }, 'options.scope.userId');
    await refused({ resume: true }, 'options.resume');
    await refused({ from: new Date(TODAY), to: new Date(TODAY - 1) }, 'options.to');
    await refused({ from: '2026-12-01' }, 'options.from');
  });
});
