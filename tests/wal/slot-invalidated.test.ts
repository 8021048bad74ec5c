/**
 * A slot the server invalidated past `max_slot_wal_keep_size`, on a cluster made here (1MB,
 * `wal_keep_size = 0`) and dropped after: reported by slotStatus, refused by checkWalServer and
 * createSlot (never recreated silently), `slot status` exits 1, the doctor fails it. The same
 * cluster shows the warning for an unlimited `max_slot_wal_keep_size`.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LogicalServer, ownCluster } from '../../scripts/logical-cluster.js';
import {
  checkWalServer,
  createSlot,
  DEFAULT_SLOT,
  type SlotStatus,
  slotStatus,
  WalError,
} from '../../src/postgres/index.js';
import { runCli } from '../helpers/cli.js';

/** The default slot: `slot status` below names none. */
const slot = DEFAULT_SLOT;
let server: LogicalServer;
let pool: pg.Pool;

beforeAll(async () => {
  server = await ownCluster('invalidated');
  pool = new pg.Pool({ connectionString: server.url, max: 2 });
  pool.on('error', () => {});
  // No WAL kept for its own sake: past 1MB, a slot's WAL is removed at the next checkpoint.
  await pool.query('ALTER SYSTEM SET wal_keep_size = 0');
  await keepSize('1MB');
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await server?.stop();
}, 120_000);

/** Sets `max_slot_wal_keep_size` on this file's own cluster (a reload applies it, and the rest). */
async function keepSize(value: string): Promise<void> {
  await pool.query(`ALTER SYSTEM SET max_slot_wal_keep_size = '${value}'`);
  await pool.query('SELECT pg_reload_conf()');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { rows } = await pool.query<{ v: string }>(
      "SELECT current_setting('max_slot_wal_keep_size') AS v",
    );
    if (rows[0]?.v === value) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`max_slot_wal_keep_size did not become ${value}`);
}

/** Fills WAL segments and checkpoints until the server invalidated the slot (60 s at most). */
async function invalidate(): Promise<SlotStatus> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await slotStatus({ db: pool, slot });
    if (status.walStatus === 'lost' || Date.now() > deadline) return status;
    await pool.query(
      `SELECT pg_logical_emit_message(false, 'eventrail-test', repeat('x', 100000))`,
    );
    await pool.query('SELECT pg_switch_wal()');
    await pool.query('CHECKPOINT');
  }
}

describe('an invalidated slot', () => {
  it('warns about an unlimited max_slot_wal_keep_size, and not about a limit', async () => {
    const limited = await checkWalServer({ db: pool });
    expect(limited.maxSlotWalKeepSizeBytes).toBe(1024 * 1024);
    expect(limited.warnings).toEqual([]);
    await keepSize('-1');
    try {
      const unlimited = await checkWalServer({ db: pool });
      expect(unlimited.maxSlotWalKeepSizeBytes).toBeNull();
      expect(unlimited.warnings).toEqual([
        expect.objectContaining({
          code: 'WAL_KEEP_UNLIMITED',
          message: expect.stringContaining('max_slot_wal_keep_size = -1'),
        }),
      ]);
    } finally {
      await keepSize('1MB');
    }
  });

  it('is reported, refused by checkWalServer and createSlot, failed by slot status and doctor', async () => {
    await createSlot({ db: pool, slot });
    const before = await slotStatus({ db: pool, slot });
    expect(before.invalidationReason).toBeNull();
    const lost = await invalidate();
    expect(lost).toMatchObject({
      exists: true,
      walStatus: 'lost',
      invalidationReason: 'wal_removed',
    });

    const refused = await checkWalServer({ db: pool, slot }).catch((e) => e);
    expect(refused).toBeInstanceOf(WalError);
    expect(refused).toMatchObject({ code: 'WAL_SLOT_INVALIDATED' });
    expect(refused.message).toContain('npx eventrail replay');
    expect(refused.message).toContain(`npx eventrail slot drop --slot ${slot}`);
    // Never recreated past the lost events: create refuses and leaves the slot as it is.
    await expect(createSlot({ db: pool, slot })).rejects.toMatchObject({
      code: 'WAL_SLOT_INVALIDATED',
    });
    expect((await slotStatus({ db: pool, slot })).walStatus).toBe('lost');

    const status = await runCli('slot', 'status', '--url', server.url);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('wal_status: lost');
    expect(status.stdout).toContain('invalidated: wal_removed');
    expect(status.stdout).toContain(`error: replication slot "${slot}" was invalidated`);

    const doctor = await runCli('doctor', '--url', server.url, '--json');
    const checks = (JSON.parse(doctor.stdout) as { checks: { check: string; status: string }[] })
      .checks;
    expect(checks.find((c) => c.check === 'wal slots')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('invalidated'),
    });
    expect(doctor.code).toBe(1);

    // What the operator does once the events are published again: drop, then create anew.
    expect((await runCli('slot', 'drop', '--slot', slot, '--url', server.url)).code).toBe(0);
    expect((await runCli('slot', 'create', '--slot', slot, '--url', server.url)).code).toBe(0);
    expect(await slotStatus({ db: pool, slot })).toMatchObject({
      walStatus: 'reserved',
      invalidationReason: null,
    });
  }, 120_000);
});
