/**
 * `replay()` against a real database, into sinks of the test's own (an eventrail `Sink` that
 * records, fails or blocks as told): commit order, `from` a time and `to`, scope and filters,
 * the finite bound, the named checkpoint (refused, resumed, busy), the retry of a transient error
 * and the stop at a permanent one, the pace, an abort, and positions older than retention kept.
 * The 50,000-event runs to real brokers, killed and resumed, are in replay-crash.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  CursorExpiredError,
  type EventRecord,
  type Sink,
  ValidationError,
} from '../../src/index.js';
import { maintain, ReplayError, type ReplayOptions, replay } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents, type SeedEvent } from '../helpers/events.js';
import { DAY, TODAY } from '../helpers/partitions.js';

const db = useTestDatabase();
const MINUTE = 60_000;

/**
 * A sink that keeps what it is given; `fail(n, batch)` decides the n-th write (0-based, retries
 * included): nothing, or an error to throw. An error with `transient: true` is transient.
 */
function recorder(
  fail: (write: number, batch: readonly EventRecord[]) => unknown = () => undefined,
) {
  const sink = {
    name: 'recorder',
    ids: [] as string[],
    sizes: [] as number[],
    writes: 0,
    async write(batch: readonly EventRecord[]) {
      const error = fail(sink.writes++, batch);
      if (error !== undefined) throw error;
      sink.ids.push(...batch.map((e) => e.id));
      sink.sizes.push(batch.length);
    },
    classifyError: (error: unknown) =>
      (error as { transient?: boolean }).transient
        ? ('transient' as const)
        : ('permanent' as const),
  };
  return sink;
}

/** Inserts each event in a transaction of its own, in order: commit order is this order. */
async function inOrder(events: SeedEvent[]): Promise<EventRecord[]> {
  const stored: EventRecord[] = [];
  for (const event of events) stored.push(...(await insertEvents(db.pool, [event])));
  return stored;
}

/** `count` events created three days ago, a minute apart, each committed alone. */
const oldEvents = (count: number) =>
  inOrder(
    Array.from({ length: count }, (_, i) => ({
      type: 'A',
      userId: 'u',
      createdAt: new Date(TODAY - 3 * DAY + i * MINUTE),
    })),
  );

const run = (options: Omit<ReplayOptions, 'db'>) => replay({ db: db.pool, ...options });
const checkpointOf = async (name: string) =>
  (
    await db.pool.query(
      `SELECT c.name, p.position_id::text AS id FROM eventrail.consumers c
       JOIN eventrail.consumer_partitions p ON p.consumer = c.name AND p.partition = 0
       WHERE c.name = $1`,
      [`replay:${name}`],
    )
  ).rows[0]?.id as string | undefined;

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
