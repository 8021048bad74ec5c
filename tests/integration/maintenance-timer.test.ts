/**
 * The maintenance timer keeps the lifecycle contract on real Postgres: nothing runs before
 * `start()`, `close()` is one promise with a deadline and a summary, `await using` closes it,
 * failed runs are `error` events (a process warning when nobody listens), and `metrics()` is a
 * synchronous snapshot of numbers.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedError, MaintenanceError } from '../../src/index.js';
import { MaintenanceTimer } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { recordingLog } from '../helpers/lifecycle-log.js';
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

const db = useTestDatabase();
const closing: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

describe('MaintenanceTimer', () => {
  it('runs nothing before start(), then once per start() however often it is called', async () => {
    const { log, lines } = recordingLog();
    const timer = new MaintenanceTimer({ db: db.pool, intervalMs: 60_000, log });
    closing.push(() => timer.close());
    const ran: unknown[] = [];
    timer.on('run', (result) => ran.push(result));
    await new Promise((r) => setTimeout(r, 100));
    expect(ran).toEqual([]);
    expect(timer.metrics()).toMatchObject({ runs: 0, lastRunAtMs: 0, runInProgress: false });
    const started = timer.start();
    expect(timer.start()).toBe(started);
    expect(await started).toBeUndefined();
    expect(ran).toHaveLength(1);
    expect(lines.map((l) => l.message)).toContain('eventrail maintenance started');
    await timer.start();
    expect(ran).toHaveLength(1);
  });

  it('closes once: the same promise, a summary, and ClosedError for start() and runNow() after', async () => {
    const { log, lines } = recordingLog();
    const timer = new MaintenanceTimer({ db: db.pool, intervalMs: 60_000, log });
    await timer.start();
    const first = timer.close();
    expect(timer.close()).toBe(first);
    expect(timer.close({ timeoutMs: 1 })).toBe(first);
    expect(await first).toEqual({ timedOut: false, runInProgress: false });
    expect(lines.at(-1)).toMatchObject({ level: 'info', message: 'eventrail maintenance closed' });
    await expect(timer.start()).rejects.toBeInstanceOf(ClosedError);
    await expect(timer.runNow()).rejects.toMatchObject({
      code: 'CLOSED',
      part: 'MaintenanceTimer',
    });
  });

  it('refuses bad close options at once and stays open', async () => {
    const timer = new MaintenanceTimer({ db: db.pool });
    closing.push(() => timer.close());
    await expect(timer.close({ timeoutMS: 5 } as never)).rejects.toMatchObject({
      field: 'options.timeoutMS',
      code: 'VALIDATION_UNKNOWN',
    });
    expect((await timer.runNow()).ran).toBe(true);
  });

  it('is closed by `await using`', async () => {
    let outside: MaintenanceTimer | undefined;
    {
      await using timer = new MaintenanceTimer({ db: db.pool, intervalMs: 60_000 });
      outside = timer;
      await timer.start();
    }
    await expect(outside.start()).rejects.toBeInstanceOf(ClosedError);
  });

  it('runs again intervalMs after each run ends, until closed', async () => {
    const timer = new MaintenanceTimer({ db: db.pool, intervalMs: 20 });
    closing.push(() => timer.close());
    const ran: number[] = [];
    const third = new Promise<void>((resolve) => {
      timer.on('run', () => {
        if (ran.push(performance.now()) === 3) resolve();
      });
    });
    await timer.start();
    await third;
    await timer.close();
    const after = ran.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(ran.length).toBe(after);
    expect(timer.metrics().runs).toBe(after);
  });

  it('emits each failed scheduled run as a MaintenanceError and goes on', async () => {
    const timer = new MaintenanceTimer({ db: db.pool, schema: 'nowhere', intervalMs: 20 });
    closing.push(() => timer.close());
    const errors: MaintenanceError[] = [];
    const two = new Promise<void>((resolve) => {
      timer.on('error', (error) => {
        if (errors.push(error) === 2) resolve();
      });
    });
    await timer.start(); // a failed first run does not reject start()
    await two;
    expect(errors[0]).toBeInstanceOf(MaintenanceError);
    expect(errors[0]).toMatchObject({ code: 'MAINTENANCE_FAILED' });
    expect(String((errors[0] as MaintenanceError).cause)).toMatch(/nowhere/);
    expect(timer.metrics().failedRuns).toBeGreaterThanOrEqual(2);
  });

  it('rejects runNow() with a MaintenanceError, not an error event', async () => {
    const timer = new MaintenanceTimer({ db: db.pool, schema: 'nowhere' });
    closing.push(() => timer.close());
    const errors: unknown[] = [];
    timer.on('error', (error) => errors.push(error));
    await expect(timer.runNow()).rejects.toBeInstanceOf(MaintenanceError);
    expect(errors).toEqual([]);
    expect(timer.metrics().failedRuns).toBe(1);
  });

  it('makes an unheard failure one process warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => {
      if (warning.name === 'EventrailUnhandledError') warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const timer = new MaintenanceTimer({ db: db.pool, schema: 'nowhere', intervalMs: 10 });
      await timer.start();
      while (timer.metrics().failedRuns < 3) await new Promise((r) => setTimeout(r, 10));
      await timer.close();
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain("no 'error' listener on this MaintenanceTimer");
  });

  it('reports synchronous metrics of plain numbers', async () => {
    const timer = new MaintenanceTimer({ db: db.pool, intervalMs: 60_000 });
    closing.push(() => timer.close());
    const before = Date.now();
    await timer.start();
    const metrics = timer.metrics();
    expect(metrics).not.toBeInstanceOf(Promise);
    expect(Object.keys(metrics).sort()).toEqual(
      [
        'runs',
        'skippedRuns',
        'failedRuns',
        'partitionsCreated',
        'partitionsDropped',
        'partitionsDeferred',
        'rowsMoved',
        'defaultRowsExpired',
        'outboxRowsPurged',
        'inboxRowsPurged',
        'runDurationMs',
        'lastRunAtMs',
        'runInProgress',
      ].sort(),
    );
    for (const [key, value] of Object.entries(metrics)) {
      if (key === 'runDurationMs') continue;
      expect(['number', 'boolean']).toContain(typeof value);
    }
    expect(metrics.runs).toBe(1);
    expect(metrics.lastRunAtMs).toBeGreaterThanOrEqual(before);
    expect(metrics.runDurationMs.count).toBe(1);
    expect(metrics.runDurationMs.max).toBeGreaterThan(0);
  });

  it('returns from close() by its deadline while a run hangs on a blackholed database', async () => {
    const { hostname, port } = new URL(db.url);
    const proxy = await startTcpProxy({ host: hostname, port: Number(port || 5432) });
    const pool = new pg.Pool({ connectionString: throughProxy(db.url, proxy), max: 1 });
    pool.on('error', () => {});
    closing.push(() => pool.end()); // after the proxy is gone and the hung query failed
    closing.push(() => proxy.close());
    await pool.query('SELECT 1'); // connected before the link goes dead
    proxy.blackholeOpen();
    const timer = new MaintenanceTimer({ db: pool, intervalMs: 60_000 });
    timer.on('error', () => {});
    void timer.start();
    await new Promise((r) => setTimeout(r, 100));
    expect(timer.metrics().runInProgress).toBe(true);
    const started = performance.now();
    const summary = await timer.close({ timeoutMs: 200 });
    const took = performance.now() - started;
    expect(summary).toEqual({ timedOut: true, runInProgress: true });
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(1000);
  });
});
