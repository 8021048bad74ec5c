/**
 * maintain() on real Postgres, with the clock passed in: partitions made ahead, rows at a
 * boundary, rows of the default partition moved, only wholly expired partitions dropped, the work
 * done once by concurrent callers, the outbox and the consumer inbox purged, a busy lock
 * deferring a drop, and each run told to the `log` option.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { EventLogger } from '../../src/index.js';
import { maintain, PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';
import { recordingLog } from '../helpers/lifecycle-log.js';
import { commitToOutbox, outboxEvents } from '../helpers/outbox.js';
import { DAY, dayPartition, partitionNames, partitionOf, TODAY } from '../helpers/partitions.js';

const db = useTestDatabase();
const at = (ms: number) => new Date(ms);
const event = (createdAt: Date) => ({ type: 'X', userId: 'u', createdAt });
const count = async () =>
  (await db.pool.query('SELECT count(*)::int AS n FROM eventrail.event_logs')).rows[0].n;

describe('maintain', () => {
  it('starts from the migration: a default partition and today plus 3 days', async () => {
    expect(await partitionNames(db.pool)).toEqual(
      ['event_logs_default', ...[0, 1, 2, 3].map(dayPartition)].sort(),
    );
  });

  it('makes partitions premake days ahead, and a second call finds nothing to do', async () => {
    const first = await maintain({ db: db.pool, now: at(TODAY + DAY / 2), premake: 5 });
    expect(first).toMatchObject({ ran: true, dropped: [], rowsMoved: 0, deferred: [] });
    expect(first.created).toEqual([dayPartition(4), dayPartition(5)]);
    const second = await maintain({ db: db.pool, now: at(TODAY + DAY / 2), premake: 5 });
    expect(second).toMatchObject({ ran: true, created: [], dropped: [], rowsMoved: 0 });
    expect(await partitionNames(db.pool)).toContain(dayPartition(5));
  });

  it('puts an event created exactly at a boundary into the partition starting there', async () => {
    const [before, onBoundary] = await insertEvents(db.pool, [
      event(at(TODAY + DAY - 1)),
      event(at(TODAY + DAY)),
    ]);
    expect(await partitionOf(db.pool, [before!.id, onBoundary!.id])).toEqual({
      [before!.id]: dayPartition(0),
      [onBoundary!.id]: dayPartition(1),
    });
  });

  it('lands an event whose occurredAt is far in the past by its intake time; an old created_at lands in the default partition', async () => {
    const logger = new EventLogger({ sinks: [new PostgresSink({ db: db.pool })], fallback: null });
    const loggedId = await logger.logEvent({
      type: 'X',
      userId: 'u',
      occurredAt: new Date('2001-09-09T01:46:40Z'),
    });
    await logger.close();
    const [old] = await insertEvents(db.pool, [event(new Date('2001-09-09T01:46:40Z'))]);
    const where = await partitionOf(db.pool, [loggedId, old!.id]);
    expect(where[loggedId]).toBe(dayPartition(Math.floor((Date.now() - TODAY) / DAY)));
    expect(where[old!.id]).toBe('event_logs_default');
    const { rows } = await db.pool.query(
      'SELECT occurred_at FROM eventrail.event_logs WHERE id = $1',
      [loggedId],
    );
    expect(rows[0].occurred_at).toEqual(new Date('2001-09-09T01:46:40Z'));
  });

  it('moves the rows the default partition holds for a range into the partition made for it', async () => {
    const future = await insertEvents(db.pool, [
      event(at(TODAY + 9 * DAY + 5)),
      event(at(TODAY + 9 * DAY + 6)),
      event(at(TODAY + 10 * DAY)),
    ]);
    const ids = future.map((e) => e.id);
    expect(Object.values(await partitionOf(db.pool, ids))).toEqual(
      Array(3).fill('event_logs_default'),
    );
    const total = await count();
    const result = await maintain({ db: db.pool, now: at(TODAY + 7 * DAY), premake: 3 });
    expect(result.created).toEqual([6, 7, 8, 9, 10].map(dayPartition));
    expect(result.rowsMoved).toBe(3);
    // The default partition's row of 2001 is older than the 90 days kept: deleted, not moved.
    expect(result.defaultRowsExpired).toBe(1);
    expect(await partitionOf(db.pool, ids)).toEqual({
      [ids[0]!]: dayPartition(9),
      [ids[1]!]: dayPartition(9),
      [ids[2]!]: dayPartition(10),
    });
    expect(await count()).toBe(total - 1);
  });

  it('drops only partitions wholly older than the retention window, whatever the clock', async () => {
    const [young, yesterday] = await insertEvents(db.pool, [
      event(at(TODAY + DAY + 3_600_000)),
      event(at(TODAY - 3_600_000)),
    ]);
    const total = await count();
    const options = { retentionMs: DAY, premake: 0 };
    // A clock in the past drops nothing and deletes nothing.
    const past = await maintain({ db: db.pool, ...options, now: new Date('2001-01-01') });
    expect(past).toMatchObject({ dropped: [], defaultRowsExpired: 0 });
    expect(await count()).toBe(total);
    // A millisecond before today's partition is wholly a day old, it stays (it may still hold a
    // row younger than the window's start); yesterday's row in the default partition is deleted.
    const almost = await maintain({ db: db.pool, ...options, now: at(TODAY + 2 * DAY - 1) });
    expect(almost).toMatchObject({ dropped: [], defaultRowsExpired: 1 });
    expect(await partitionOf(db.pool, [yesterday!.id])).toEqual({});
    // One millisecond later every row of today's partition is older than a day: it goes whole.
    const expired = await maintain({ db: db.pool, ...options, now: at(TODAY + 2 * DAY) });
    expect(expired.dropped).toEqual([dayPartition(0)]);
    const names = await partitionNames(db.pool);
    expect(names).not.toContain(dayPartition(0));
    expect(names).toContain(dayPartition(1));
    expect(await partitionOf(db.pool, [young!.id])).toEqual({ [young!.id]: dayPartition(1) });
  });

  it('does the work once when four connections call it at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 4 }, () => maintain({ db: db.pool, now: at(TODAY + 14 * DAY) })),
    );
    const created = results.flatMap((r) => r.created);
    expect(created).toEqual([11, 12, 13, 14, 15, 16, 17].map(dayPartition));
    expect(results.filter((r) => r.ran).length).toBeGreaterThanOrEqual(1);
    // Whoever held the lock did it all; the others did nothing.
    expect(results.filter((r) => r.created.length > 0)).toHaveLength(1);
  });

  it('purges published outbox rows older than their own window, and nothing else', async () => {
    const ids = await commitToOutbox(db.pool, outboxEvents(4));
    await db.pool.query(
      `UPDATE eventrail.event_outbox SET status = 'published',
         published_at = now() - CASE WHEN id = $1 THEN interval '8 days' ELSE interval '1 day' END
       WHERE id = ANY($2::uuid[])`,
      [ids[0], ids.slice(0, 3)],
    );
    await db.pool.query(
      `UPDATE eventrail.event_outbox SET created_at = now() - interval '30 days' WHERE id = $1`,
      [ids[3]],
    );
    const result = await maintain({ db: db.pool, outboxRetentionMs: 7 * DAY });
    expect(result.outboxRowsPurged).toBe(1);
    const { rows } = await db.pool.query('SELECT id FROM eventrail.event_outbox ORDER BY id');
    expect(rows.map((r) => r.id).sort()).toEqual(ids.slice(1).sort());
    expect((await maintain({ db: db.pool, outboxRetentionMs: null })).outboxRowsPurged).toBe(0);
  });

  it('purges inbox records of every consumer older than inboxRetentionMs, only when it is set', async () => {
    const ago = (days: number) => new Date(Date.now() - days * DAY);
    const records = [
      ['billing', randomUUID(), ago(40)],
      ['mailer', randomUUID(), ago(31)],
      ['billing', randomUUID(), ago(29)],
      ['mailer', randomUUID(), ago(0)],
    ] as const;
    for (const record of records) {
      await db.pool.query(
        'INSERT INTO eventrail.event_inbox (consumer, event_id, handled_at) VALUES ($1, $2, $3)',
        [...record],
      );
    }
    expect((await maintain({ db: db.pool })).inboxRowsPurged).toBe(0);
    expect((await maintain({ db: db.pool, inboxRetentionMs: 30 * DAY })).inboxRowsPurged).toBe(2);
    const { rows } = await db.pool.query('SELECT event_id FROM eventrail.event_inbox');
    expect(rows.map((r) => r.event_id).sort()).toEqual([records[2][1], records[3][1]].sort());
  });

  it('tells its log what each run did, what it skipped and why it failed', async () => {
    const { log, lines } = recordingLog();
    const now = at(TODAY + 20 * DAY);
    const done = await maintain({ db: db.pool, now, premake: 0, log });
    expect(lines.at(-1)).toEqual({
      level: 'info',
      message: 'eventrail maintenance done',
      details: expect.objectContaining({ schema: 'eventrail', created: done.created }),
    });
    await maintain({ db: db.pool, now, premake: 0, log });
    expect(lines.at(-1)).toMatchObject({ level: 'debug', message: 'eventrail maintenance done' });
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtext('eventrail.maintain:eventrail'))`);
      expect((await maintain({ db: db.pool, log })).ran).toBe(false);
      expect(lines.at(-1)).toMatchObject({ level: 'debug', details: { schema: 'eventrail' } });
      expect(lines.at(-1)?.message).toMatch(/skipped/);
    } finally {
      await holder.end();
    }
    await expect(maintain({ db: db.pool, schema: 'nowhere', log })).rejects.toThrow();
    expect(lines.at(-1)).toMatchObject({ level: 'error', message: 'eventrail maintenance failed' });
    await expect(maintain({ db: db.pool, log: { info() {} } as never })).rejects.toMatchObject({
      field: 'options.log',
    });
  });

  it('defers a drop while a long query holds event_logs, and makes it on the next run', async () => {
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    const { log, lines } = recordingLog();
    const options = {
      now: at(TODAY + 3 * DAY),
      retentionMs: DAY,
      premake: 0,
      lockTimeoutMs: 200,
      log,
    };
    try {
      await reader.query('BEGIN');
      await reader.query('SELECT count(*) FROM eventrail.event_logs');
      const blocked = await maintain({ ...options, db: db.pool });
      expect(blocked.deferred).toEqual([dayPartition(1)]);
      expect(blocked.dropped).toEqual([]);
      expect(lines.at(-1)).toMatchObject({
        level: 'warn',
        details: { deferred: [dayPartition(1)] },
      });
      await reader.query('COMMIT');
    } finally {
      await reader.end();
    }
    const next = await maintain({ ...options, db: db.pool });
    expect(next).toMatchObject({ dropped: [dayPartition(1)], deferred: [] });
  });
});
