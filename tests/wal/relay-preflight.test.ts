/**
 * What `WalRelay.start()` refuses, with a typed error naming the cause: a server whose
 * `wal_level` is not `logical`, a role without `REPLICATION`, a missing slot it may not create.
 * Nothing is created in those cases.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { WalError, WalRelay } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase({ server: 'logical', migrated: false });
const publish = async () => {};

async function slotExists(pool: pg.Pool, slot: string): Promise<boolean> {
  const { rows } = await pool.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [
    slot,
  ]);
  return rows.length > 0;
}

describe('WalRelay.start() checks', () => {
  it('refuses a server with wal_level = replica with WAL_LEVEL, naming the setting', async (ctx) => {
    const main = new pg.Pool({ connectionString: inject('databaseUrl'), max: 1 });
    try {
      const level = (await main.query<{ wal_level: string }>('SHOW wal_level')).rows[0]?.wal_level;
      // Nothing to refuse on a logical server: skipped there, but never under CI, whose server
      // runs replica (a skip would hide the check).
      if (level === 'logical' && process.env.CI !== 'true') ctx.skip();
      expect(level).not.toBe('logical');
      const relay = new WalRelay({ db: main, slot: 'never_made', publish });
      const started = relay.start();
      await expect(started).rejects.toBeInstanceOf(WalError);
      await expect(started).rejects.toMatchObject({
        code: 'WAL_LEVEL',
        message: expect.stringContaining(`wal_level is ${level}`),
      });
      await relay.close();
      expect(await slotExists(main, 'never_made')).toBe(false);
    } finally {
      await main.end();
    }
  });

  it('refuses a role without REPLICATION with WAL_PRIVILEGE', async () => {
    const role = `norepl_${randomBytes(4).toString('hex')}`;
    await db.pool.query(`CREATE ROLE ${role} LOGIN NOREPLICATION`);
    const url = new URL(db.url);
    url.username = role;
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    try {
      const relay = new WalRelay({ db: pool, slot: 'not_allowed', publish });
      await expect(relay.start()).rejects.toMatchObject({ code: 'WAL_PRIVILEGE' });
      await relay.close();
      expect(await slotExists(db.pool, 'not_allowed')).toBe(false);
    } finally {
      await pool.end();
      await db.pool.query(`DROP ROLE ${role}`);
    }
  });

  it('refuses a missing slot with WAL_SLOT_MISSING when createSlot is off', async () => {
    const relay = new WalRelay({ db: db.pool, slot: 'absent', createSlot: false, publish });
    await expect(relay.start()).rejects.toMatchObject({ code: 'WAL_SLOT_MISSING' });
    await relay.close();
    expect(await slotExists(db.pool, 'absent')).toBe(false);
  });
});
