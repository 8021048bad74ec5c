/**
 * The slot's status while no one reads it and while a reader holds it: lag and retained WAL grow
 * with what is written, `instrument()` reports them, create is idempotent, drop refuses a slot a
 * reader holds unless forced.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { instrument } from '../../src/otel/index.js';
import {
  createSlot,
  dropSlot,
  type SlotStatus,
  slotStatus,
  WalError,
} from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { pointValue, testMeters } from '../helpers/otel.js';

const db = useTestDatabase({ server: 'logical' });
/** Slot names are per server: each file's are its database's. */
const slot = (name: string) => `${db.name.replace('eventrail_test_', 'eventrail_')}_${name}`;

/** Writes `count` messages of `bytes` each to the WAL, one transaction each, as the writer does. */
async function emit(count: number, bytes: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await db.pool.query(`SELECT pg_logical_emit_message(true, 'eventrail-test', repeat('x', $1))`, [
      bytes,
    ]);
  }
}

/** Polls the slot until `done` holds, for up to 20 s, writing a message before each look. */
async function until(name: string, done: (s: SlotStatus) => boolean): Promise<SlotStatus> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    await emit(1, 100);
    const status = await slotStatus({ db: db.pool, slot: name });
    if (done(status) || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const readers: ChildProcess[] = [];
afterAll(() => {
  for (const reader of readers) reader.kill('SIGKILL');
});

/** A reader of the slot (pg_recvlogical with pgoutput), started here. */
function read(name: string): ChildProcess {
  const reader = spawn(
    'pg_recvlogical',
    // Status replies and fsyncs every second: the reader confirms what it wrote.
    [
      '-d',
      db.url,
      '--slot',
      name,
      '--start',
      '--no-loop',
      '-s',
      '1',
      '-F',
      '1',
      '-f',
      '/dev/null',
    ].concat(['proto_version=1', `publication_names=${name}`].flatMap((o) => ['-o', o])),
    { stdio: 'ignore' },
  );
  readers.push(reader);
  return reader;
}

describe('slotStatus', () => {
  it('reports lag and retained WAL growing while no one reads the slot', async () => {
    const name = slot('lag');
    const made = await createSlot({ db: db.pool, slot: name });
    expect(made).toMatchObject({ created: true, publicationCreated: true });
    const before = await slotStatus({ db: db.pool, slot: name });
    expect(before).toMatchObject({
      slot: name,
      exists: true,
      plugin: 'pgoutput',
      database: db.name,
      active: false,
      activePid: null,
      walStatus: 'reserved',
      invalidationReason: null,
      lagSeconds: null,
      replyAgeSeconds: null,
    });
    await emit(20, 4096);
    const after = await slotStatus({ db: db.pool, slot: name });
    expect(after.confirmedFlushLsn).toBe(before.confirmedFlushLsn);
    expect(after.restartLsn).toBe(before.restartLsn);
    expect(after.lagBytes).toBeGreaterThanOrEqual((before.lagBytes ?? 0) + 20 * 4096);
    expect(after.retainedBytes).toBeGreaterThanOrEqual(after.lagBytes ?? Infinity);
    expect(after.retainedBytes).toBeGreaterThan(0);
    // Idempotent: a second create changes nothing.
    const again = await createSlot({ db: db.pool, slot: name });
    expect(again).toMatchObject({ created: false, publicationCreated: false });
    expect(again.status.confirmedFlushLsn).toBe(before.confirmedFlushLsn);
    expect((await dropSlot({ db: db.pool, slot: name })).dropped).toBe(true);
    expect(await slotStatus({ db: db.pool, slot: name })).toMatchObject({
      exists: false,
      lagBytes: null,
    });
    expect((await dropSlot({ db: db.pool, slot: name })).dropped).toBe(false);
  });

  it('is observed by instrument(): lag and retained bytes, no lag time while no one reads', async () => {
    const name = slot('otel');
    await createSlot({ db: db.pool, slot: name });
    await emit(5, 2048);
    const meters = testMeters();
    const metering = instrument({
      slot: { slotStatus: () => slotStatus({ db: db.pool, slot: name }) },
      meterProvider: meters.provider,
    });
    try {
      const seen = await meters.collect();
      const attributes = { 'eventrail.wal.slot.name': name };
      expect(pointValue(seen, 'eventrail.wal.slot.lag', attributes)).toBeGreaterThanOrEqual(
        5 * 2048,
      );
      expect(pointValue(seen, 'eventrail.wal.slot.retained', attributes)).toBeGreaterThanOrEqual(
        5 * 2048,
      );
      expect(seen.get('eventrail.wal.slot.lag.time')?.dataPoints ?? []).toHaveLength(0);
      expect(metering.metrics()).toEqual({ parts: 1, errors: 0 });
    } finally {
      await metering.close();
      await meters.shutdown();
      await dropSlot({ db: db.pool, slot: name });
    }
  });

  it('refuses to take over a slot of that name made for another plugin, creating nothing', async () => {
    const name = slot('foreign');
    await db.pool.query(`SELECT pg_create_logical_replication_slot($1, 'test_decoding')`, [name]);
    const refused = await createSlot({ db: db.pool, slot: name }).catch((e) => e);
    expect(refused).toBeInstanceOf(WalError);
    expect(refused).toMatchObject({ code: 'WAL_SLOT_MISSING' });
    expect(refused.message).toContain('plugin test_decoding');
    const { rows } = await db.pool.query('SELECT 1 FROM pg_publication WHERE pubname = $1', [name]);
    expect(rows).toHaveLength(0);
    expect((await slotStatus({ db: db.pool, slot: name })).plugin).toBe('test_decoding');
    await dropSlot({ db: db.pool, slot: name });
  });

  it('sees a reader holding the slot; drop refuses it without force, ends it with force', async () => {
    const name = slot('held');
    await createSlot({ db: db.pool, slot: name });
    const reader = read(name);
    const held = await until(name, (s) => s.active);
    expect(held).toMatchObject({ active: true });
    expect(held.activePid).toEqual(expect.any(Number));
    // While it reads and confirms, Postgres measures its lag and times its replies.
    const measured = await until(name, (s) => s.lagSeconds !== null && s.replyAgeSeconds !== null);
    expect(measured.lagSeconds).toBeGreaterThanOrEqual(0);
    expect(measured.replyAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(measured.replyAgeSeconds).toBeLessThan(20);
    const refused = await dropSlot({ db: db.pool, slot: name }).catch((e) => e);
    expect(refused).toBeInstanceOf(WalError);
    expect(refused).toMatchObject({ code: 'WAL_SLOT_IN_USE' });
    expect(refused.message).toContain(`process ${held.activePid}`);
    expect((await slotStatus({ db: db.pool, slot: name })).exists).toBe(true);
    const exited = new Promise((resolve) => reader.once('exit', resolve));
    const dropped = await dropSlot({ db: db.pool, slot: name, force: true });
    expect(dropped).toEqual({ dropped: true, terminatedPid: held.activePid });
    expect((await slotStatus({ db: db.pool, slot: name })).exists).toBe(false);
    await exited;
  });
});
