/** The examples run as written, against this file's database. */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/database.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const db = useTestDatabase({ migrated: false });

function example(file: string, env: Record<string, string | undefined>) {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return run(join(root, 'node_modules/.bin/tsx'), [file], {
    cwd: root,
    env: { ...rest, ...env } as NodeJS.ProcessEnv,
  });
}

describe('examples', () => {
  it('quick-start logs one event to Postgres and reports it written', async () => {
    const { stdout } = await example('examples/quick-start.ts', { DATABASE_URL: db.url });
    expect(stdout).toContain('{ received: 1, written: 1, fallback: 0, dropped: 0 }');
    const { rows } = await db.pool.query(
      `SELECT tool_name FROM eventrail.event_logs WHERE event_type = 'TOOL_REQUEST'`,
    );
    expect(rows).toEqual([{ tool_name: 'web_search' }]);
  });

  it('the demo runs on a Postgres server when DATABASE_URL is set', async () => {
    const { stdout } = await example('examples/demo.ts', { DATABASE_URL: db.url });
    expect(stdout).toContain('"written":1010');
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM eventrail.event_logs`);
    expect(rows[0].n).toBe(1011);
  });

  it('the demo runs on embedded PGlite when DATABASE_URL is unset', async () => {
    const { stdout } = await example('examples/demo.ts', {});
    expect(stdout).toContain('embedded PGlite');
    expect(stdout).toContain('"written":1010');
  });

  it('queries pages a session with the cursor, counts by type and lists recent errors', async () => {
    await db.pool.query('DROP SCHEMA IF EXISTS eventrail CASCADE'); // start from an empty database
    const { stdout } = await example('examples/queries.ts', { DATABASE_URL: db.url });
    expect(stdout).toContain('events of session-1: 40');
    expect(stdout).toMatch(/type: 'TOOL_REQUEST', count: 108 \}.*\n?.*type: 'ERROR', count: 12/s);
    expect(stdout).toContain('recent errors: 12 RATE_LIMIT');
  });
});
