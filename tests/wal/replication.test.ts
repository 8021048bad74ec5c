import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { WalError } from '../../src/postgres/wal/errors.js';
import { formatLsn, parseLsn } from '../../src/postgres/wal/lsn.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { slotPosition, take, useReaders } from '../helpers/wal.js';

const db = useTestDatabase({ server: 'logical', migrated: false });
const readers = useReaders(() => db.url);
let slots = 0;

beforeAll(async () => {
  await db.pool.query('CREATE TABLE items (id int PRIMARY KEY, name text, note text)');
  await db.pool.query('CREATE TABLE quiet (id int)');
  await db.pool.query('CREATE PUBLICATION eventrail_test FOR TABLE items');
});

/** A new slot at the server's current position. */
async function newSlot(): Promise<string> {
  const slot = `reader_${++slots}`;
  await db.pool.query(`SELECT pg_create_logical_replication_slot($1, 'pgoutput')`, [slot]);
  return slot;
}

async function inTransaction(work: (client: pg.PoolClient) => Promise<void>, commit = true) {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
  } finally {
    client.release();
  }
}

const emit = (client: pg.PoolClient, content: string, transactional = true) =>
  client.query('SELECT pg_logical_emit_message($1, $2, $3)', [transactional, 'test', content]);

describe('ReplicationReader', () => {
  it('yields committed messages and inserts decoded, never a non-transactional message', async () => {
    const slot = await newSlot();
    const reader = await readers.start(slot);
    await inTransaction(async (c) => {
      await emit(c, 'skipped', false);
      await c.query(`INSERT INTO items VALUES (1, 'zoë ✓', NULL)`);
      await emit(c, '{"a":"ünï"}');
    });
    const [tx] = await take(reader.transactions()[Symbol.asyncIterator](), 1);
    expect(tx?.messages.map((m) => [m.prefix, m.content.toString('utf8')])).toEqual([
      ['test', '{"a":"ünï"}'],
    ]);
    expect(tx?.inserts).toEqual([
      {
        schema: 'public',
        table: 'items',
        columns: ['id', 'name', 'note'],
        values: ['1', 'zoë ✓', null],
      },
    ]);
    expect(tx?.endLsn).toBeGreaterThan(tx?.commitLsn ?? 0n);
    expect(tx?.messages[0]?.lsn).toBeGreaterThan(0n);
    expect(tx?.messages[0]?.lsn).toBeLessThanOrEqual(tx?.commitLsn ?? 0n);
    expect(Math.abs((tx?.commitTime.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
  });

  it('never yields a rolled back transaction', async () => {
    const slot = await newSlot();
    const reader = await readers.start(slot);
    await inTransaction(async (c) => {
      await emit(c, 'rolled back');
      await c.query(`INSERT INTO items VALUES (2, 'rolled back', NULL)`);
    }, false);
    await inTransaction((c) => emit(c, 'committed').then(() => {}));
    const [tx] = await take(reader.transactions()[Symbol.asyncIterator](), 1);
    expect(tx?.messages.map((m) => m.content.toString())).toEqual(['committed']);
    expect(tx?.inserts).toEqual([]);
  });

  it('yields the transactions of 4 concurrent writers once each, in commit order', async () => {
    const slot = await newSlot();
    const reader = await readers.start(slot);
    const perWriter = 150;
    const commits: string[][] = [[], [], [], []];
    await Promise.all(
      commits.map(async (done, w) => {
        for (let i = 0; i < perWriter; i++) {
          await inTransaction(async (c) => {
            await emit(c, `${w}:${i}`);
            await emit(c, `${w}:${i}:second`);
          });
          done.push(`${w}:${i}`);
        }
      }),
    );
    const txs = await take(reader.transactions()[Symbol.asyncIterator](), 4 * perWriter);
    const seen = txs.map((tx) => tx.messages.map((m) => m.content.toString()));
    expect(seen.every((m) => m.length === 2 && m[1] === `${m[0]}:second`)).toBe(true);
    const firsts = seen.map((m) => m[0] as string);
    expect(new Set(firsts).size).toBe(4 * perWriter);
    for (const [w, done] of commits.entries()) {
      expect(firsts.filter((m) => m.startsWith(`${w}:`))).toEqual(done);
    }
    const lsns = txs.map((tx) => tx.commitLsn);
    expect(lsns.every((lsn, i) => i === 0 || lsn > (lsns[i - 1] as bigint))).toBe(true);
  });

  it('refuses a second reader of a slot with WAL_SLOT_IN_USE, and a missing slot with WAL_SLOT_MISSING', async () => {
    const slot = await newSlot();
    await readers.start(slot);
    const second = readers.start(slot);
    await expect(second).rejects.toBeInstanceOf(WalError);
    await expect(second).rejects.toMatchObject({ code: 'WAL_SLOT_IN_USE' });
    await expect(readers.start('no_such_slot')).rejects.toMatchObject({
      code: 'WAL_SLOT_MISSING',
    });
  });

  it('confirms a position to the server, and a later reader starts after it', async () => {
    const slot = await newSlot();
    const first = await readers.start(slot);
    for (const n of ['one', 'two']) await inTransaction((c) => emit(c, n).then(() => {}));
    const [one] = await take(first.transactions()[Symbol.asyncIterator](), 1);
    first.confirm(one?.endLsn ?? 0n);
    await waitFor(
      async () => (await slotPosition(db.pool, slot)) >= (one?.endLsn ?? 1n),
      20_000,
      'the slot',
    );
    await first.close();
    const second = await readers.start(slot);
    const [next] = await take(second.transactions()[Symbol.asyncIterator](), 1);
    expect(next?.messages.map((m) => m.content.toString())).toEqual(['two']);
  });

  it('follows the server on a quiet slot once all it yielded is confirmed', async () => {
    const slot = await newSlot();
    const reader = await readers.start(slot);
    await inTransaction((c) => emit(c, 'last').then(() => {}));
    const [last] = await take(reader.transactions()[Symbol.asyncIterator](), 1);
    reader.confirm(last?.endLsn ?? 0n);
    await db.pool.query('INSERT INTO quiet VALUES (1)');
    const { rows } = await db.pool.query<{ lsn: string }>(
      'SELECT pg_current_wal_lsn()::text AS lsn',
    );
    const server = parseLsn(rows[0]?.lsn ?? '0/0');
    await waitFor(
      async () => (await slotPosition(db.pool, slot)) >= server,
      30_000,
      'the slot to follow',
    );
    expect(reader.confirmedLsn).toBeGreaterThanOrEqual(server);
  });

  it('parses and formats LSNs as Postgres writes them', () => {
    expect(parseLsn('16/B374D848')).toBe(0x16b374d848n);
    expect(formatLsn(0x16b374d848n)).toBe('16/B374D848');
    expect(formatLsn(0n)).toBe('0/0');
    expect(() => parseLsn('16-B3')).toThrow(/LSN/);
  });
});
