/**
 * close({ timeoutMs }) returns by its deadline when the database behind a PostgresSink stops
 * answering (a blackholed link: no error, no answer); what was not written is handed to the
 * fallback and counted.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { makeEvent } from '../helpers/fake-sink.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

const db = useTestDatabase();
let proxy: TcpProxy | undefined;
let proxied: pg.Pool | undefined;

afterAll(async () => {
  await proxy?.close();
  await proxied?.end();
});

describe('EventLogger.close() with a database that stops answering', () => {
  it('returns by its deadline; the events not written go to the fallback', async () => {
    const { hostname, port } = new URL(db.url);
    proxy = await startTcpProxy({ host: hostname, port: Number(port || 5432) });
    proxied = new pg.Pool({ connectionString: throughProxy(db.url, proxy), max: 2 });
    proxied.on('error', () => {});
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({
      sinks: [new PostgresSink({ db: proxied })],
      fallback,
      flushSize: 10,
      writeTimeoutMs: 60_000,
    });
    logger.on('error', () => {});
    for (let i = 0; i < 10; i++) await logger.logEvent(makeEvent(i));
    await logger.flush();
    proxy.blackhole();
    for (let i = 10; i < 35; i++) await logger.logEvent(makeEvent(i));

    const started = performance.now();
    const summary = await logger.close({ timeoutMs: 500 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(summary.timedOut).toBe(true);
    expect(summary.sinks.postgres).toEqual({ received: 35, written: 10, fallback: 25, dropped: 0 });
    expect(fallback.events).toHaveLength(25);
    const { rows } = await db.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM eventrail.event_logs',
    );
    expect(rows[0]?.n).toBe(10);
  });
});
