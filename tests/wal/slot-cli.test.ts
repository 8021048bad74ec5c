/**
 * `npx eventrail slot status|create|drop` and the doctor's `wal slots` check, on a slot of this
 * file's database.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase({ server: 'logical' });
const slot = db.name.replace('eventrail_test_', 'eventrail_');

/** The facts `slot status` printed, by name. */
function facts(stdout: string): Map<string, string> {
  return new Map(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
  );
}

interface Check {
  readonly check: string;
  readonly status: string;
  readonly summary: string;
  readonly fix?: string;
}

/** The doctor's `wal slots` check, from its JSON. */
async function doctorSlots(...flags: string[]): Promise<Check | undefined> {
  const { stdout } = await runCli('doctor', '--url', db.url, '--json', ...flags);
  return (JSON.parse(stdout) as { checks: Check[] }).checks.find((c) => c.check === 'wal slots');
}

describe('eventrail slot', () => {
  it('creates, reports and drops the slot; status exits 1 for a missing slot', async () => {
    const missing = await runCli('slot', 'status', '--slot', slot, '--url', db.url);
    expect(missing.code).toBe(1);
    expect(facts(missing.stdout).get('exists')).toBe('no');

    const created = await runCli('slot', 'create', '--slot', slot, '--url', db.url);
    expect(created).toMatchObject({ code: 0 });
    expect(created.stdout).toContain(`created slot ${slot} (pgoutput)`);
    expect(created.stdout).toContain(`created publication ${slot}`);
    const again = await runCli('slot', 'create', '--slot', slot, '--url', db.url);
    expect(again.stdout).toContain(`slot ${slot} exists; kept as is`);

    await db.pool.query(
      `SELECT pg_logical_emit_message(true, 'eventrail-test', repeat('x', 8192))`,
    );
    const status = await runCli('slot', 'status', '--slot', slot, '--url', db.url);
    expect(status.code).toBe(0);
    const seen = facts(status.stdout);
    expect(seen.get('exists')).toBe('yes');
    expect(seen.get('database')).toBe(db.name);
    expect(seen.get('plugin')).toBe('pgoutput');
    expect(seen.get('active')).toMatch(/^no/);
    expect(seen.get('wal_status')).toBe('reserved');
    expect(seen.get('wal_level')).toBe('logical');
    const lagBytes = Number(/\((\d+) bytes\)/.exec(seen.get('lag') ?? '')?.[1]);
    expect(lagBytes).toBeGreaterThanOrEqual(8192);

    const dropped = await runCli('slot', 'drop', '--slot', slot, '--url', db.url);
    expect(dropped).toMatchObject({ code: 0 });
    expect(dropped.stdout).toContain(`dropped slot ${slot}`);
    const none = await runCli('slot', 'drop', '--slot', slot, '--url', db.url);
    expect(none.stdout).toContain(`no slot ${slot}; nothing done`);
  });

  it('refuses a bad command line with exit 2 naming the flag, a failover slot before 17 with exit 1', async () => {
    const bad = await runCli('slot', 'create', '--slot', 'Bad Name', '--url', db.url);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--slot:');
    const force = await runCli('slot', 'create', '--force', '--url', db.url);
    expect(force.code).toBe(2);
    expect(force.stderr).toContain('--force does not apply to create');
    // A failover slot needs PostgreSQL 17: refused on an older server, nothing made.
    const version = await db.pool.query<{ n: number }>(
      "SELECT current_setting('server_version_num')::int AS n",
    );
    if ((version.rows[0]?.n ?? 0) < 170000) {
      const failover = await runCli(
        'slot',
        'create',
        '--failover',
        '--slot',
        slot,
        '--url',
        db.url,
      );
      expect(failover.code).toBe(1);
      expect(failover.stderr).toContain('failover slots need PostgreSQL 17');
      expect((await runCli('slot', 'status', '--slot', slot, '--url', db.url)).code).toBe(1);
    }
    const help = await runCli('slot', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: eventrail slot <status|create|drop>');
    expect((await runCli('--help')).stdout).toContain('slot       status, create or drop');
  });

  it('doctor: passes a slot read or retaining little, warns for one no relay reads past --slot-retained', async () => {
    expect((await doctorSlots())?.summary).toBe('no eventrail replication slot');
    await runCli('slot', 'create', '--slot', slot, '--url', db.url);
    try {
      await db.pool.query(
        `SELECT pg_logical_emit_message(true, 'eventrail-test', repeat('x', 4096))`,
      );
      const roomy = await doctorSlots('--slot-retained', '1GB');
      expect(roomy?.status).toBe('pass');
      expect(roomy?.summary).toContain(`${slot}: no relay reads it`);
      const tight = await doctorSlots('--slot-retained', '1kB');
      expect(tight?.status).toBe('warn');
      expect(tight?.fix).toContain(`start the relay of ${slot}`);
      const named = await doctorSlots('--slot', 'other_slot');
      expect(named?.status).toBe('warn');
      expect(named?.summary).toContain('other_slot: no such slot in this database');
    } finally {
      await runCli('slot', 'drop', '--slot', slot, '--url', db.url);
    }
  });
});
