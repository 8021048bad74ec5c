/**
 * Restarts the local PostgreSQL cluster while a logger writes to it, and proves that no event is
 * lost or duplicated. Needs to run where `pg_ctlcluster` controls the server at DATABASE_URL (our
 * machines); it starts the cluster again itself, whatever happens.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';

const run = promisify(execFile);
const version = readdirSync('/etc/postgresql')[0] as string;
const ctl = (action: string, ...args: string[]) =>
  run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', action, ...args]);

async function ensureRunning(): Promise<void> {
  try {
    await ctl('status');
  } catch {
    await ctl('start');
  }
}

const db = useTestDatabase();

describe('Postgres restart while logging', () => {
  afterAll(ensureRunning);

  it('loses nothing and duplicates nothing across a restart of the cluster', async () => {
    const pool = new pg.Pool({ connectionString: db.url, max: 4, connectionTimeoutMillis: 2000 });
    pool.on('error', () => {});
    const fallback = new MemorySink({ name: 'fallback' });
    // The default retry (1, 2, 4 ms) rides out blips; a restart takes seconds, so allow for it.
    const logger = new EventLogger({
      sinks: [new PostgresSink({ db: pool })],
      fallback,
      retry: { retries: 30, minDelayMs: 50, factor: 1.5, maxDelayMs: 1000 },
    });
    let retries = 0;
    logger.on('retry', () => {
      retries += 1;
    });
    const total = 30_000;
    let restarted = false;
    const restart = (async () => {
      await new Promise((r) => setTimeout(r, 1000));
      try {
        await ctl('restart', '--mode', 'fast');
        restarted = true;
      } finally {
        await ensureRunning();
      }
    })();
    for (let i = 0; i < total; i++) {
      await logger.logEvent({ type: 'RESTART', userId: 'u', payload: { i } });
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await restart;
    const summary = await logger.close({ timeoutMs: 60_000 });
    await pool.end();
    expect(restarted).toBe(true);
    expect(retries).toBeGreaterThan(0);
    expect(summary.sinks.postgres).toEqual({
      received: total,
      written: total,
      fallback: 0,
      dropped: 0,
    });
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT id)::int AS d, count(DISTINCT (payload->>'i'))::int AS i
         FROM eventrail.event_logs WHERE event_type = 'RESTART'`,
    );
    expect(rows[0]).toEqual({ n: total, d: total, i: total });
  });
});
