/**
 * `npx eventrail` as a user runs it (tsx on src/cli.ts): its duration flags reach maintain as
 * milliseconds, and a bad flag exits with code 2 and a message naming it, before the database
 * is touched.
 */
import { describe, expect, it } from 'vitest';
import { runCli as cli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();

describe('the CLI', () => {
  it('passes its duration flags to maintain: none keeps the inbox, 1d purges older records', async () => {
    await db.pool.query(
      `INSERT INTO eventrail.event_inbox (consumer, event_id, handled_at)
       VALUES ('billing', gen_random_uuid(), now() - interval '2 days'),
              ('billing', gen_random_uuid(), now() - interval '1 hour')`,
    );
    const kept = await cli('maintain', '--url', db.url, '--inbox-retention', 'none');
    expect(kept).toMatchObject({ code: 0, stderr: '' });
    expect(kept.stdout).toContain('consumer inbox records purged: 0');
    const purged = await cli(
      'maintain',
      '--url',
      db.url,
      '--inbox-retention',
      '1d',
      '--retention',
      '90 days',
      '--partition-width',
      '1d',
      '--outbox-retention',
      '7d',
    );
    expect(purged).toMatchObject({ code: 0, stderr: '' });
    expect(purged.stdout).toContain('consumer inbox records purged: 1');
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM eventrail.event_inbox');
    expect(rows[0].n).toBe(1);
  });

  it('exits 2 naming the flag whose value does not read, or that the library refuses', async () => {
    const unreadable = await cli('maintain', '--url', db.url, '--retention', 'soon');
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain("eventrail: --retention: 'soon' is not a duration");
    const refused = await cli('maintain', '--url', db.url, '--partition-width', '90m');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^eventrail: --partition-width: .*whole hours/m);
    const misplaced = await cli('migrate', '--url', db.url, '--steps', '2');
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('--steps does not apply to migrate');
    expect(misplaced.stdout).toBe('');
  });
});
