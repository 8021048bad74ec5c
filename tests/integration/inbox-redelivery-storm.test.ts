import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { Inbox } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();
const EVENTS = 400;
const COPIES = 3;

let pool: pg.Pool;
beforeAll(async () => {
  pool = new pg.Pool({ connectionString: db.url, max: 8 });
  await db.pool.query('CREATE TABLE counter (n int NOT NULL); INSERT INTO counter VALUES (0)');
  await db.pool.query('CREATE TABLE effects (event_id uuid NOT NULL)');
});
afterAll(async () => {
  await pool.end();
});

/** Deliveries whose work ran and threw (then rolled back). */
let crashes = 0;

/** One delivery, as a consumer handles it: BEGIN, the inbox and the effect, COMMIT. */
async function deliver(inbox: Inbox, id: string, fail = false): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const ran = await inbox.handle(client, { id }, async () => {
      await client.query('UPDATE counter SET n = n + 1');
      await client.query('INSERT INTO effects VALUES ($1)', [id]);
      if (fail) {
        crashes += 1;
        throw new Error('the consumer crashed before its commit');
      }
    });
    await client.query('COMMIT');
    return ran;
  } catch (error) {
    await client.query('ROLLBACK');
    if (!fail) throw error;
    return false;
  } finally {
    client.release();
  }
}

describe('Inbox under a redelivery storm', () => {
  it('applies each event once: every message 3 times, some copies at the same moment, some first attempts failing', async () => {
    const inbox = new Inbox({ consumer: 'storm' });
    const ids = Array.from({ length: EVENTS }, () => randomUUID());
    // A fifth of the events: all their copies at once, in separate transactions.
    const together = ids.slice(0, EVENTS / 5);
    const concurrent = together.map((id) =>
      Promise.all(Array.from({ length: COPIES }, () => deliver(inbox, id))),
    );
    // The rest: shuffled copies 8 at a time; every tenth event's first copy fails and rolls back.
    const rest = ids
      .slice(EVENTS / 5)
      .flatMap((id, i) =>
        Array.from({ length: COPIES }, (_, copy) => ({ id, fail: copy === 0 && i % 10 === 0 })),
      );
    rest.sort(() => Math.random() - 0.5);
    let ran = 0;
    const workers = Array.from({ length: 8 }, async () => {
      for (let next = rest.pop(); next; next = rest.pop()) {
        if (await deliver(inbox, next.id, next.fail)) ran += 1;
      }
    });
    await Promise.all(workers);
    const together_ran = (await Promise.all(concurrent)).flat().filter(Boolean).length;

    const counter = (await db.pool.query('SELECT n FROM counter')).rows[0].n;
    const effects = await db.pool.query(
      'SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS d FROM effects',
    );
    expect(counter).toBe(EVENTS);
    expect(effects.rows[0]).toEqual({ n: EVENTS, d: EVENTS });
    expect(ran + together_ran).toBe(EVENTS);
    const recorded = await db.pool.query(
      `SELECT count(*)::int AS n FROM eventrail.event_inbox WHERE consumer = 'storm'`,
    );
    expect(recorded.rows[0].n).toBe(EVENTS);
    // Every delivery counted once, synchronously: the work that ran to its end, and the copies
    // skipped as seen (a failing copy that ran its work threw, and counts as neither).
    expect(crashes).toBeGreaterThan(0);
    const metrics = inbox.metrics();
    expect(metrics).not.toBeInstanceOf(Promise);
    expect(metrics).toEqual({ handled: EVENTS, duplicates: EVENTS * COPIES - EVENTS - crashes });
  });

  it('works on a drizzle transaction, keeps consumers apart, and purges old records', async () => {
    const orm = drizzle(pool);
    const billing = new Inbox({ consumer: 'billing', db: pool });
    const mail = new Inbox({ consumer: 'mail', db: pool });
    const id = randomUUID();
    const runs: string[] = [];
    for (const inbox of [billing, mail, billing, mail]) {
      await orm.transaction(async (tx) => {
        await inbox.handle(tx, id, async () => {
          runs.push(inbox.consumer);
          await tx.execute(sql`UPDATE counter SET n = n + 0`);
        });
      });
    }
    expect(runs).toEqual(['billing', 'mail']);
    expect(await billing.purge({ olderThanMs: 60_000 })).toBe(0);
    expect(await billing.purge({ olderThanMs: 0 })).toBe(1);
    // Only billing's record went: mail still sees the event as handled, billing runs it again.
    expect(await orm.transaction((tx) => mail.handle(tx, id, () => runs.push('mail')))).toBe(false);
    expect(await orm.transaction((tx) => billing.handle(tx, id, () => runs.push('billing')))).toBe(
      true,
    );
  });

  it("purges in chunks: every old record of its consumer, not a recent one nor another consumer's", async () => {
    const old = 5003; // more than one chunk of 5000
    await db.pool.query(
      `INSERT INTO eventrail.event_inbox (consumer, event_id, handled_at)
       SELECT c, gen_random_uuid(), now() - interval '2 days'
         FROM generate_series(1, $1) i, unnest(ARRAY['bulk', 'other']) c`,
      [old],
    );
    await db.pool.query(
      `INSERT INTO eventrail.event_inbox (consumer, event_id) VALUES ('bulk', gen_random_uuid())`,
    );
    const bulk = new Inbox({ consumer: 'bulk', db: pool });
    expect(await bulk.purge({ olderThanMs: 24 * 3600_000 })).toBe(old);
    const { rows } = await db.pool.query(
      `SELECT consumer, count(*)::int AS n FROM eventrail.event_inbox
        WHERE consumer IN ('bulk', 'other') GROUP BY consumer ORDER BY consumer`,
    );
    expect(rows).toEqual([
      { consumer: 'bulk', n: 1 },
      { consumer: 'other', n: old },
    ]);
    expect(await bulk.purge({ olderThanMs: 24 * 3600_000 })).toBe(0);
  });

  it('refuses bad input before touching the transaction', async () => {
    const inbox = new Inbox();
    await expect(inbox.handle(pool, randomUUID(), () => 1)).rejects.toMatchObject({
      field: 'tx',
    });
    await expect(inbox.handle(pool, 'not-a-uuid', () => 1)).rejects.toBeInstanceOf(ValidationError);
    await expect(inbox.purge({ olderThanMs: 1 })).rejects.toMatchObject({ field: 'options.db' });
    await expect(
      new Inbox({ db: pool }).purge({ olderThan: 1 } as unknown as { olderThanMs: number }),
    ).rejects.toMatchObject({
      field: 'options.olderThan',
      code: 'VALIDATION_UNKNOWN',
      message: expect.stringContaining("did you mean 'olderThanMs'?"),
    });
    await expect(new Inbox({ db: pool }).purge({ olderThanMs: -1 })).rejects.toMatchObject({
      field: 'options.olderThanMs',
    });
    expect(() => new Inbox({ consumer: '' })).toThrow(
      expect.objectContaining({ field: 'options.consumer' }),
    );
    expect(() => new Inbox({ consumers: 'x' } as never)).toThrow(
      expect.objectContaining({
        field: 'options.consumers',
        code: 'VALIDATION_UNKNOWN',
        message: expect.stringContaining("did you mean 'consumer'?"),
      }),
    );
    expect(() => new Inbox({ db: 'postgres://' as never })).toThrow(
      expect.objectContaining({ field: 'options.db' }),
    );
  });
});
