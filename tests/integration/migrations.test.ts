import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/index.js';
import { migrate, rollback } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { storageOptions } from '../helpers/plans.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const drizzleKit = join(root, 'node_modules/.bin/drizzle-kit');
const db = useTestDatabase({ migrated: false });

async function relations(schema: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 ORDER BY 1`,
    [schema],
  );
  return rows.map((r) => r.name);
}

/** Every migration shipped, oldest first. */
const ALL = ['0000_init', '0001_outbox_fillfactor', '0004_event_stream'];
const OUTBOX = 'eventrail.event_outbox';

async function schemaExists(schema: string): Promise<boolean> {
  const { rows } = await db.pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  return rows.length === 1;
}

describe('migrations', () => {
  it('go up on an empty database, down to empty, and up again', async () => {
    expect(await schemaExists('eventrail')).toBe(false);
    expect((await migrate(db.pool)).names).toEqual(ALL);
    expect(await relations('eventrail')).toEqual(
      expect.arrayContaining([
        'event_logs',
        'event_outbox',
        'eventrail_migrations',
        'event_logs_payload_idx',
      ]),
    );
    expect((await migrate(db.pool)).names).toEqual([]);
    expect(await storageOptions(db.pool, OUTBOX)).toEqual(['fillfactor=50']);

    // One step back undoes only the newest migration, and it can be applied again.
    expect((await rollback(db.pool)).names).toEqual(['0004_event_stream']);
    expect(await storageOptions(db.pool, OUTBOX)).toEqual(['fillfactor=50']);
    expect((await rollback(db.pool)).names).toEqual(['0001_outbox_fillfactor']);
    expect(await storageOptions(db.pool, OUTBOX)).toBeNull();
    expect((await migrate(db.pool)).names).toEqual(['0001_outbox_fillfactor', '0004_event_stream']);

    expect((await rollback(db.pool, { steps: Infinity })).names).toEqual([...ALL].reverse());
    expect(await schemaExists('eventrail')).toBe(false);
    expect((await rollback(db.pool)).names).toEqual([]);

    expect((await migrate(db.pool)).names).toEqual(ALL);
    await db.pool.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id) VALUES (gen_random_uuid(), 'X', 'u')`,
    );
    expect(
      (await db.pool.query('SELECT count(*)::int AS n FROM eventrail.event_logs')).rows[0].n,
    ).toBe(1);
  });

  it('applies each migration once when several runners start at once, each on its own connection', async () => {
    await rollback(db.pool, { steps: Infinity });
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate(db.pool)));
    expect(results.flatMap((r) => r.names)).toEqual(ALL);
  });

  it('installs into another Postgres schema and leaves other objects of that schema alone', async () => {
    await db.pool.query('CREATE SCHEMA audit; CREATE TABLE audit.host_table (id int)');
    await migrate(db.pool, { schema: 'audit' });
    expect(await relations('audit')).toEqual(
      expect.arrayContaining(['event_logs', 'event_outbox', 'host_table']),
    );
    await rollback(db.pool, { schema: 'audit', steps: Infinity });
    expect(await relations('audit')).toEqual(['host_table']);
  });

  it('refuses schema names that are not plain identifiers', async () => {
    await expect(migrate(db.pool, { schema: 'x"; DROP TABLE y; --' })).rejects.toMatchObject({
      code: 'VALIDATION_RANGE',
      field: 'options.schema',
    });
  });

  it('refuses to run when an applied migration was changed afterwards', async () => {
    await migrate(db.pool);
    await db.pool.query(
      `UPDATE eventrail.eventrail_migrations SET hash = 'edited' WHERE name = '0000_init'`,
    );
    await expect(migrate(db.pool)).rejects.toBeInstanceOf(MigrationError);
    await db.pool.query(`DELETE FROM eventrail.eventrail_migrations`);
    await db.pool.query(
      `INSERT INTO eventrail.eventrail_migrations (name, hash) VALUES ('9999_future', 'x')`,
    );
    await expect(migrate(db.pool)).rejects.toThrow(/unknown to this eventrail version/);
    await db.pool.query(`DROP SCHEMA eventrail CASCADE`);
  });

  it('rolls a failed migration back whole', async () => {
    await db.pool.query('CREATE SCHEMA eventrail; CREATE TABLE eventrail.event_outbox (x int)');
    await expect(migrate(db.pool)).rejects.toThrow(/could not apply migration 0000_init/);
    expect(await relations('eventrail')).toEqual(
      expect.arrayContaining(['event_outbox', 'eventrail_migrations']),
    );
    expect(await relations('eventrail')).not.toContain('event_logs');
    await db.pool.query('DROP SCHEMA eventrail CASCADE');
  });

  it('leave a database that drizzle-kit finds identical to the drizzle schema', async () => {
    await migrate(db.pool);
    const dir = await mkdtemp(join(tmpdir(), 'eventrail-push-'));
    try {
      const config = join(dir, 'drizzle.config.json');
      await writeFile(
        config,
        JSON.stringify({
          dialect: 'postgresql',
          schema: join(root, 'src/schema.ts'),
          schemaFilter: ['eventrail'],
          tablesFilter: ['event_logs', 'event_outbox'],
          dbCredentials: { url: db.url },
        }),
      );
      const { stdout } = await run(drizzleKit, ['push', '--config', config], { cwd: root });
      expect(stdout).toContain('No changes detected');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('match the schema: drizzle-kit generate finds nothing new to migrate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'eventrail-generate-'));
    try {
      await cp(join(root, 'drizzle'), join(dir, 'drizzle'), { recursive: true });
      const before = await readdir(join(dir, 'drizzle'));
      const schema = join(root, 'src/postgres/schema/tables.ts');
      const { stdout, stderr } = await run(
        drizzleKit,
        ['generate', '--dialect', 'postgresql', '--schema', schema, '--out', 'drizzle'],
        { cwd: dir },
      );
      expect(stdout + stderr).toContain('No schema changes');
      expect(await readdir(join(dir, 'drizzle'))).toEqual(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
