/**
 * Migration 0002 on a database migrated with 0000/0001 and holding 100k rows over 10 days: the
 * same ids before and after, up and down, while a logger keeps writing; the host's grants and
 * row-level security carry over to the partitioned table.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogger, type EventRecord, type Sink } from '../../src/index.js';
import {
  enableRowLevelSecurity,
  migrate,
  PostgresSink,
  rollback,
} from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { DAY } from '../helpers/partitions.js';

const db = useTestDatabase({ migrated: false });
const root = resolve(import.meta.dirname, '../..');
const PARTITIONS = '0002_event_logs_partitions';
/** What an installation at 0001 applies when it upgrades: 0002 and every migration after it. */
const UPGRADE = [
  PARTITIONS,
  '0003_event_inbox',
  '0004_event_stream',
  '0005_trace_context',
  '0006_outbox_lean_indexes',
  '0007_consuming',
  '0008_rollups',
  '0009_rollups_without_jit',
];
let before0002: string;

/** A copy of drizzle/ whose journal stops at 0001: the database of an earlier eventrail. */
async function migrationsBefore0002(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'eventrail-before-0002-'));
  await cp(join(root, 'drizzle'), dir, { recursive: true });
  const journalPath = join(dir, 'meta/_journal.json');
  const journal = JSON.parse(await readFile(journalPath, 'utf8'));
  journal.entries = journal.entries.filter((e: { idx: number }) => e.idx < 2);
  await writeFile(journalPath, JSON.stringify(journal));
  return dir;
}

/** Row count and a digest of every id, in id order. */
async function fingerprint(): Promise<{ n: number; ids: string }> {
  const { rows } = await db.pool.query(
    `SELECT count(*)::int AS n, md5(coalesce(string_agg(id::text, ',' ORDER BY id), '')) AS ids
       FROM eventrail.event_logs`,
  );
  return rows[0];
}

/** The PostgresSink, timing each write (a write waits while the migration holds its lock). */
class TimedSink implements Sink {
  readonly name = 'postgres';
  readonly inner = new PostgresSink({ db: db.pool });
  longestWriteMs = 0;
  async write(batch: readonly EventRecord[]) {
    const started = performance.now();
    await this.inner.write(batch);
    this.longestWriteMs = Math.max(this.longestWriteMs, performance.now() - started);
  }
}

describe('migration 0002 on a populated database', () => {
  const role = `eventrail_reader_${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    before0002 = await migrationsBefore0002();
    await migrate({ db: db.pool, migrationsFolder: before0002 });
    await db.pool.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id, tenant_id, payload, created_at)
       SELECT gen_random_uuid(), 'T' || (g % 10), 'user-' || (g % 100), 'tenant-' || (g % 3),
              jsonb_build_object('g', g), now() - g * ($1::float8 / 100000) * interval '1 millisecond'
         FROM generate_series(1, 100000) AS g`,
      [10 * DAY],
    );
    await db.pool.query(`CREATE ROLE ${role}`);
    await db.pool.query(`GRANT USAGE ON SCHEMA eventrail TO ${role}`);
    await db.pool.query(`GRANT SELECT ON eventrail.event_logs TO ${role}`);
    await enableRowLevelSecurity({ db: db.pool });
  }, 120_000);

  afterAll(async () => {
    await rm(before0002, { recursive: true, force: true });
    await rollback({ db: db.pool, steps: Infinity });
    await db.pool.query(`DROP ROLE IF EXISTS ${role}`);
  });

  it('keeps every row, up and down, while a logger writes on', async () => {
    const start = await fingerprint();
    expect(start.n).toBe(100_000);
    const { rows: days } = await db.pool.query(
      `SELECT count(DISTINCT date_trunc('day', created_at))::int AS n FROM eventrail.event_logs`,
    );
    expect(days[0].n).toBeGreaterThanOrEqual(10);

    const sink = new TimedSink();
    const logger = new EventLogger({ sinks: [sink], fallback: null });
    const errors: unknown[] = [];
    logger.on('error', (e) => errors.push(e));
    let writing = true;
    let logged = 0;
    const writer = (async () => {
      while (writing) {
        await logger.logEvents(
          Array.from({ length: 50 }, (_, i) => ({ type: 'LIVE', userId: 'u', payload: { i } })),
        );
        logged += 50;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const loggedBefore = logged;
    const started = performance.now();
    expect((await migrate({ db: db.pool })).names).toEqual(UPGRADE);
    const migrationMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 200));
    writing = false;
    await writer;
    const summary = await logger.close();
    expect(logged).toBeGreaterThan(loggedBefore);
    expect(errors).toEqual([]);
    expect(summary.sinks.postgres?.written).toBe(logged);

    const live = await db.pool.query(
      `SELECT count(*)::int AS n FROM eventrail.event_logs WHERE event_type = 'LIVE'`,
    );
    expect(live.rows[0].n).toBe(logged);
    const after = await fingerprint();
    expect(after.n).toBe(100_000 + logged);
    // The measurement the README quotes: writers wait for the migration, they do not fail.
    console.log(
      `migration 0002 on 100k rows: ${migrationMs.toFixed(0)} ms; longest logger write meanwhile: ${sink.longestWriteMs.toFixed(0)} ms`,
    );

    const { rows: kind } = await db.pool.query(
      `SELECT relkind FROM pg_class WHERE oid = 'eventrail.event_logs'::regclass`,
    );
    expect(kind[0].relkind).toBe('p');
    expect((await rollback({ db: db.pool, steps: UPGRADE.length })).names).toEqual(
      [...UPGRADE].reverse(),
    );
    expect(await fingerprint()).toEqual(after);
    const { rows: plain } = await db.pool.query(
      `SELECT relkind FROM pg_class WHERE oid = 'eventrail.event_logs'::regclass`,
    );
    expect(plain[0].relkind).toBe('r');
    expect((await migrate({ db: db.pool })).names).toEqual(UPGRADE);
    expect(await fingerprint()).toEqual(after);
  });

  it("carries the host's grants and row-level security over to the partitioned table", async () => {
    const { rows } = await db.pool.query(
      `SELECT has_table_privilege($1, 'eventrail.event_logs', 'SELECT') AS can_read,
              c.relrowsecurity AS rls,
              (SELECT count(*)::int FROM pg_policy WHERE polrelid = c.oid) AS policies
         FROM pg_class c WHERE c.oid = 'eventrail.event_logs'::regclass`,
      [role],
    );
    expect(rows[0]).toEqual({ can_read: true, rls: true, policies: 1 });
  });

  it('puts the same row-level security on the rollups 0008 makes', async () => {
    const { rows } = await db.pool.query(
      `SELECT c.relrowsecurity AS rls, (SELECT count(*)::int FROM pg_policy WHERE polrelid = c.oid) AS policies
         FROM pg_class c WHERE c.oid = 'eventrail.event_rollups'::regclass`,
    );
    expect(rows[0]).toEqual({ rls: true, policies: 1 });
  });
});
