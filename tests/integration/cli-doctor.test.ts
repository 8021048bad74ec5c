/**
 * `npx eventrail doctor` as a user runs it: all pass on a healthy migrated database; a fail that
 * says what to run on one without migrations; warnings naming an old pending outbox row and a
 * long open transaction; one line with the host and the cause, no stack trace, for a server
 * that cannot be reached.
 */
import net from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { OutboxWriter } from '../../src/postgres/index.js';
import { runCli as cli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/database.js';
import { outboxEvents } from '../helpers/outbox.js';

const db = useTestDatabase();
const bare = useTestDatabase({ migrated: false });

interface Report {
  readonly target: string;
  readonly status: string;
  readonly checks: { check: string; status: string; summary: string; fix?: string }[];
}

const byName = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.check, c]));

/**
 * A proxy in front of the server that loses every notification (NotificationResponse, 'A'), as a
 * proxy pooling by transaction does: LISTEN succeeds, nothing ever arrives.
 */
async function notificationEater(target: URL): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream);
    // Every message from the server is a type byte and an int32 length (which counts itself).
    let pending = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 1 + pending.readInt32BE(1)) {
        const size = 1 + pending.readInt32BE(1);
        if (pending[0] !== 0x41) client.write(pending.subarray(0, size));
        pending = pending.subarray(size);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('eventrail doctor', () => {
  it('passes every check on a healthy migrated database, and exits 0', async () => {
    const { code, stdout, stderr } = await cli('doctor', '--url', db.url);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const lines = stdout.trim().split('\n');
    const { host } = new URL(db.url);
    expect(lines[0]).toBe(`eventrail doctor: ${host}/${db.name}, schema eventrail`);
    const statuses = Object.fromEntries(
      lines.slice(1, -1).map((line) => [line.slice(6, 22).trim(), line.slice(0, 4).trim()]),
    );
    expect(statuses).toEqual({
      connection: 'pass',
      migrations: 'pass',
      partitions: 'pass',
      retention: 'info',
      'listen/notify': 'pass',
      'outbox backlog': 'pass',
      'failed rows': 'pass',
      'stream mark': 'pass',
      consumers: 'pass',
      wal_level: 'info',
      'wal slots': 'pass',
    });
    expect(lines.at(-1)).toBe('9 pass, 0 warn, 0 fail');
  });

  it('fails on a database without migrations, saying what to run, and exits 1', async () => {
    const { code, stdout } = await cli('doctor', '--url', bare.url, '--json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as Report;
    expect(report.status).toBe('fail');
    const checks = byName(report);
    expect(checks.migrations).toEqual({
      check: 'migrations',
      status: 'fail',
      summary: 'none applied: schema eventrail has no eventrail tables',
      fix: 'run `npx eventrail migrate --url <database URL>`',
    });
    expect(checks.partitions?.status).toBe('skip');
    expect(checks['listen/notify']?.status).toBe('pass');
    // In another schema, the command names it.
    const audit = await cli('doctor', '--url', bare.url, '--schema', 'audit');
    expect(audit.stdout).toContain(
      '→ run `npx eventrail migrate --url <database URL> --schema audit`',
    );
  });

  it('warns naming an old pending outbox row and a long open transaction', async () => {
    const client = await db.pool.connect();
    let ids: string[];
    try {
      await client.query('BEGIN');
      ids = await new OutboxWriter().write(client, outboxEvents(1, { type: 'order_paid' }));
      await client.query(
        `UPDATE eventrail.event_outbox SET created_at = now() - interval '10 minutes' WHERE id = $1`,
        [ids[0]],
      );
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const holder = new pg.Client({ connectionString: db.url, application_name: 'billing-report' });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()'); // holds a transaction id from here
      const { rows } = await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      await new Promise((r) => setTimeout(r, 1500));
      const { code, stdout } = await cli(
        'doctor',
        '--url',
        db.url,
        '--json',
        '--transaction-age',
        '1s',
      );
      expect(code).toBe(0); // warnings only
      const report = JSON.parse(stdout) as Report;
      expect(report.status).toBe('warn');
      const checks = byName(report);
      expect(checks['outbox backlog']?.status).toBe('warn');
      expect(checks['outbox backlog']?.summary).toMatch(
        new RegExp(
          `^1 pending; the oldest, ${ids[0]} \\(order_paid\\), is 10 min old, never retried$`,
        ),
      );
      expect(checks['outbox backlog']?.fix).toContain('OutboxPublisher');
      expect(checks['stream mark']?.status).toBe('warn');
      expect(checks['stream mark']?.summary).toContain(
        `pid ${rows[0]?.pid} (billing-report, postgres from`,
      );
      expect(checks['stream mark']?.summary).toContain('idle in transaction');
      expect(checks['stream mark']?.summary).toContain(
        'last query: SELECT pg_backend_pid() AS pid',
      );
      expect(checks['stream mark']?.fix).toContain(`pg_terminate_backend(${rows[0]?.pid})`);
      // Under the default threshold (5m), the same row is no warning.
      const relaxed = await cli('doctor', '--url', db.url, '--json', '--outbox-age', '1h');
      expect(byName(JSON.parse(relaxed.stdout) as Report)['outbox backlog']?.status).toBe('pass');
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('warns on failed rows, a consumer no member runs, rows in the default partition, partitions ending soon', async () => {
    await db.pool.query(`UPDATE eventrail.event_outbox SET status = 'failed'`);
    await db.pool.query(`INSERT INTO eventrail.consumers (name, partitions) VALUES ('billing', 1)`);
    await db.pool.query(
      `INSERT INTO eventrail.consumer_partitions (consumer, partition, position_tx_id, position_id)
       VALUES ('billing', 0, '1', '00000000-0000-0000-0000-000000000000')`,
    );
    await db.pool.query(
      `INSERT INTO eventrail.dead_letters (consumer, event_id, event_created_at, position_tx_id,
         partition, key, attempts) VALUES ('billing', gen_random_uuid(), now(), '1', 0, 'k', 3)`,
    );
    // A row far in the future, past every partition: the default partition takes it.
    await db.pool.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id, payload, created_at)
       VALUES (gen_random_uuid(), 'LATE', 'u', '{}', now() + interval '1 year')`,
    );
    await db.pool.query(
      `INSERT INTO eventrail.retention_horizon (expired_before, through_tx_id, through_id)
       VALUES ('2026-01-01T00:00:00Z', '1', '00000000-0000-0000-0000-000000000000')`,
    );
    const { code, stdout } = await cli('doctor', '--url', db.url, '--json');
    expect(code).toBe(0);
    const checks = byName(JSON.parse(stdout) as Report);
    expect(checks['failed rows']).toMatchObject({
      status: 'warn',
      summary: '1 failed outbox row(s), 1 dead letter(s) of consumer billing',
    });
    expect(checks['failed rows']?.fix).toContain(
      'npx eventrail dead-letters list --consumer billing',
    );
    expect(checks.consumers?.status).toBe('warn');
    expect(checks.consumers?.summary).toMatch(
      /^billing: 0 partition\(s\) leased, checkpoint moved /,
    );
    expect(checks.consumers?.fix).toContain('no member of billing runs');
    expect(checks.partitions?.status).toBe('warn');
    expect(checks.partitions?.summary).toContain('1 row(s) in event_logs_default');
    expect(checks.partitions?.fix).toContain('npx eventrail maintain --url <database URL>');
    expect(checks.retention?.summary).toMatch(
      /^events created before 2026-01-01 00:00 UTC removed; the last removal \d+ m?s ago/,
    );
    await db.pool.query(`DELETE FROM eventrail.event_logs WHERE event_type = 'LATE'`);
    const soon = await cli('doctor', '--url', db.url, '--json', '--partitions-ahead', '30d');
    expect(byName(JSON.parse(soon.stdout) as Report).partitions).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(/^\d+ partitions, made through .* UTC \(\d\.\d d ahead\)$/),
    });
  });

  it('warns when a NOTIFY never comes back, as behind a proxy that pools by transaction', async () => {
    const url = new URL(db.url);
    const proxy = await notificationEater(new URL(db.url));
    try {
      url.port = String(proxy.port);
      const { code, stdout } = await cli(
        'doctor',
        '--url',
        url.toString(),
        '--notify-timeout',
        '500ms',
      );
      expect(code).toBe(0);
      expect(stdout).toContain(
        'warn  listen/notify   a NOTIFY did not come back to a LISTEN on a second connection within 500 ms',
      );
      expect(stdout).toContain('set `listen: false` on the OutboxPublisher and EventStream');
      expect(stdout).toMatch(/^pass {2}migrations/m); // everything else goes through the proxy
    } finally {
      await proxy.close();
    }
  });

  it('fails with the host and the cause, no stack trace, for a server it cannot reach', async () => {
    const { code, stdout, stderr } = await cli(
      'doctor',
      '--url',
      'postgres://postgres@127.0.0.1:1/x',
    );
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(stdout).toContain(
      'fail  connection  cannot connect to 127.0.0.1:1: connection refused: no server listens there (ECONNREFUSED)',
    );
    expect(stdout).not.toMatch(/^\s+at /m);
    const json = await cli('doctor', '--url', 'postgres://postgres@127.0.0.1:1/x', '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({
      status: 'fail',
      checks: [{ check: 'connection', status: 'fail' }],
    });
  });

  it('refuses a threshold that is not a duration, naming the flag, with exit code 2', async () => {
    const { code, stderr } = await cli('doctor', '--url', db.url, '--outbox-age', 'soon');
    expect(code).toBe(2);
    expect(stderr).toMatch(/^eventrail: --outbox-age: 'soon' is not a duration/);
  });
});
