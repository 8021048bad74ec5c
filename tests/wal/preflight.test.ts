/**
 * What the WAL transport refuses before it starts: a server whose wal_level is not logical (the
 * main test server runs with replica), a role without REPLICATION; and what it lets through.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { checkWalServer, WalError } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase({ server: 'logical' });

/** Runs `work` on a pool of `url`, ended after. */
async function withPool<T>(url: string, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

describe('checkWalServer', () => {
  it('refuses the main server (wal_level = replica) with WAL_LEVEL, naming the setting and its value', async () => {
    const main = inject('databaseUrl');
    const level = await withPool(main, async (pool) => {
      const { rows } = await pool.query<{ wal_level: string }>('SHOW wal_level');
      return rows[0]?.wal_level;
    });
    expect(level).not.toBe('logical');
    const error = await withPool(main, (pool) => checkWalServer({ db: pool })).catch((e) => e);
    expect(error).toBeInstanceOf(WalError);
    expect(error).toMatchObject({ code: 'WAL_LEVEL' });
    expect(error.message).toContain(`wal_level is ${level}`);
    expect(error.message).toContain('wal_level = logical');
  });

  it('refuses a role without REPLICATION with WAL_PRIVILEGE, naming the role', async () => {
    const role = `eventrail_norepl_${randomBytes(4).toString('hex')}`;
    await db.pool.query(`CREATE ROLE ${role} LOGIN NOREPLICATION NOSUPERUSER`);
    try {
      const url = new URL(db.url);
      url.username = role;
      const error = await withPool(url.toString(), (pool) => checkWalServer({ db: pool })).catch(
        (e) => e,
      );
      expect(error).toBeInstanceOf(WalError);
      expect(error).toMatchObject({ code: 'WAL_PRIVILEGE' });
      expect(error.message).toContain(`role "${role}" lacks REPLICATION`);
      // Given the attribute, the same role passes.
      await db.pool.query(`ALTER ROLE ${role} REPLICATION`);
      const report = await withPool(url.toString(), (pool) => checkWalServer({ db: pool }));
      expect(report.role).toBe(role);
    } finally {
      await db.pool.query(`DROP ROLE ${role}`);
    }
  });

  it('passes a logical server and a role with REPLICATION; a slot not yet made is reported, not refused', async () => {
    const report = await checkWalServer({ db: db.pool, slot: 'eventrail_no_such_slot' });
    expect(report.versionNum).toBeGreaterThanOrEqual(140000);
    expect(report.slot).toMatchObject({ exists: false, slot: 'eventrail_no_such_slot' });
  });

  it('refuses a bad slot name before any statement, naming the field', async () => {
    await expect(checkWalServer({ db: db.pool, slot: 'Not A Slot' })).rejects.toMatchObject({
      field: 'options.slot',
    });
  });
});
