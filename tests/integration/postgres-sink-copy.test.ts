/**
 * PostgresSink on a `pg` Pool writes a batch with COPY, which cannot skip a row that exists: a
 * batch that meets an existing key goes again as the idempotent INSERT. These tests prove that
 * nothing is duplicated and nothing lost on that road (a retry of a batch that was written after
 * all, batches overlapping, one id twice in a batch), that COPY's text format carries every
 * character, and that the live stream's trigger fires once per batch.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EventInput,
  EventLogger,
  type EventRecord,
  MemorySink,
  normalizeEvent,
  type Sink,
} from '../../src/index.js';
import { PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();
const LIMITS = { maxPayloadBytes: 1 << 20 };

function records(type: string, count: number): EventRecord[] {
  return Array.from({ length: count }, (_, i) =>
    normalizeEvent({ type, userId: `u-${i % 3}`, payload: { i } }, LIMITS),
  );
}

async function stored(type: string): Promise<{ rows: number; distinct: number }> {
  const { rows } = await db.pool.query(
    `SELECT count(*)::int AS rows, count(DISTINCT id)::int AS "distinct"
       FROM eventrail.event_logs WHERE event_type = $1`,
    [type],
  );
  return rows[0];
}

describe('PostgresSink on a pg Pool (COPY, then INSERT on a key that exists)', () => {
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
  });
  afterAll(async () => {
    await pool.end();
  });

  it('writes a batch given twice once (a retry after a lost acknowledgement)', async () => {
    const sink = new PostgresSink({ db: pool });
    const batch = records('TWICE', 300);
    await sink.write(batch);
    await sink.write(batch);
    expect(await stored('TWICE')).toEqual({ rows: 300, distinct: 300 });
  });

  it('writes only the new rows of a batch that overlaps one already written', async () => {
    const sink = new PostgresSink({ db: pool });
    const batch = records('OVERLAP', 200);
    await sink.write(batch.slice(50, 120));
    await sink.write(batch);
    expect(await stored('OVERLAP')).toEqual({ rows: 200, distinct: 200 });
    // The next batch, with no existing key, is written whole as well.
    await sink.write(records('OVERLAP', 10));
    expect(await stored('OVERLAP')).toEqual({ rows: 210, distinct: 210 });
  });

  it('keeps one row of an event given twice in one batch', async () => {
    const sink = new PostgresSink({ db: pool });
    const [event, other] = records('SAME_BATCH', 2) as [EventRecord, EventRecord];
    await sink.write([event, other, { ...event }]);
    expect(await stored('SAME_BATCH')).toEqual({ rows: 2, distinct: 2 });
  });

  it('through the logger: a write retried after it landed leaves one row per event', async () => {
    const postgres = new PostgresSink({ db: pool });
    let lost = 0;
    // Writes, then reports the connection lost once: the logger retries a batch that is stored.
    const losesAnAck: Sink = {
      name: 'postgres',
      async write(batch) {
        await postgres.write(batch);
        if (lost === 0) {
          lost += 1;
          throw Object.assign(new Error('Connection terminated unexpectedly'), {
            code: 'ECONNRESET',
          });
        }
      },
      classifyError: (error) => postgres.classifyError(error),
    };
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [losesAnAck], fallback });
    let retries = 0;
    logger.on('retry', () => {
      retries += 1;
    });
    for (let i = 0; i < 500; i++)
      await logger.logEvent({ type: 'ACK_LOST', userId: 'u', payload: { i } });
    const summary = await logger.close();
    expect(lost).toBe(1);
    expect(retries).toBe(1);
    expect(fallback.events).toEqual([]);
    expect(summary.sinks.postgres?.written).toBe(500);
    expect(await stored('ACK_LOST')).toEqual({ rows: 500, distinct: 500 });
  });

  it('carries tabs, line breaks, backslashes and times before the year 1 exactly', async () => {
    const sink = new PostgresSink({ db: pool });
    const inputs: EventInput[] = [
      {
        type: 'ESCAPES',
        userId: 'tab\there',
        sessionId: 'line\nbreak\r\nand \\N and \\',
        source: '\\t not a tab',
        payload: { text: 'a\tb\nc\\d\re', path: 'C:\\dir\\file', quote: '"', nul: '\\u0000' },
      },
      {
        type: 'ESCAPES',
        userId: 'ancient',
        occurredAt: '-000100-03-01T12:00:00.000Z',
        payload: { note: 'BC' },
      },
    ];
    const batch = inputs.map((input) => normalizeEvent(input, LIMITS));
    await sink.write(batch);
    const { rows } = await db.pool.query(
      `SELECT id, user_id, session_id, source, payload::text AS payload,
              (extract(epoch FROM occurred_at) * 1000)::float8 AS occurred
         FROM eventrail.event_logs WHERE event_type = 'ESCAPES' ORDER BY user_id`,
    );
    const byUser = new Map(batch.map((e) => [e.userId, e]));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const event = byUser.get(row.user_id) as EventRecord;
      expect(row.id).toBe(event.id);
      expect(row.session_id).toBe(event.sessionId);
      expect(row.source).toBe(event.source);
      expect(JSON.parse(row.payload)).toEqual(JSON.parse(event.payloadJson));
      expect(Math.round(row.occurred)).toBe(event.occurredAt.getTime());
    }
  });

  it('writes through a pool in pipeline mode (no COPY there) and one with a query_timeout', async () => {
    for (const [type, options] of [
      ['PIPELINE', { pipeline: true }],
      ['READ_TIMEOUT', { query_timeout: 300 }],
    ] as const) {
      const other = new pg.Pool({ connectionString: db.url, max: 2, ...options });
      try {
        const sink = new PostgresSink({ db: other });
        await sink.write(records(type, 100));
        await sink.write(records(type, 100));
        expect(await stored(type)).toEqual({ rows: 200, distinct: 200 });
        // Past the timeout of a statement that succeeded, nothing fails and the pool still works.
        await new Promise((resolve) => setTimeout(resolve, 400));
        expect((await other.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      } finally {
        await other.end();
      }
    }
  });

  it('fires the stream trigger once per batch', async () => {
    const listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    let notified = 0;
    listener.on('notification', (message) => {
      if (message.channel === 'eventrail.event_logs') notified += 1;
    });
    try {
      await listener.query('LISTEN "eventrail.event_logs"');
      const sink = new PostgresSink({ db: pool });
      const batch = records('NOTIFIED', 150);
      await sink.write(batch.slice(0, 100));
      await sink.write(batch.slice(100));
      await sink.write(batch.slice(20, 150)); // meets existing keys: COPY fails, the INSERT fires
      // A round trip on the listener after the commits: their notifications arrived before it.
      await listener.query('SELECT 1');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(notified).toBe(3);
      expect(await stored('NOTIFIED')).toEqual({ rows: 150, distinct: 150 });
    } finally {
      await listener.end();
    }
  });
});
