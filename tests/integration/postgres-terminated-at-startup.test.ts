/**
 * A connection whose backend is terminated as it starts (the FATAL arrives in the same read as
 * the server's ReadyForQuery) must not crash the host: the pool client it is handed out as has to
 * hear that error from the first moment. Each part of eventrail that checks clients out of the
 * host's pool gets such a connection first, through a proxy, and then works on a good one.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { migrate, OutboxPublisher, PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { makeEvent } from '../helpers/fake-sink.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

const db = useTestDatabase();
let proxy: TcpProxy;
let pool: pg.Pool;
const uncaught: unknown[] = [];
const hear = (error: unknown) => uncaught.push(error);

beforeAll(async () => {
  const { hostname, port } = new URL(db.url);
  proxy = await startTcpProxy({ host: hostname, port: Number(port || 5432) });
  process.on('uncaughtException', hear);
});
afterAll(async () => {
  process.off('uncaughtException', hear);
  await proxy.close();
});
beforeEach(() => {
  uncaught.length = 0;
  pool = new pg.Pool({ connectionString: throughProxy(db.url, proxy), max: 2 });
  // The host's own handler, for idle clients; a checked-out client is eventrail's to hear.
  pool.on('error', () => {});
});
afterEach(async () => {
  await pool.end();
});

describe('a pool connection terminated as it starts', () => {
  it('fails one COPY of a PostgresSink, which is retried on a good connection', async () => {
    const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool })], fallback: null });
    let retries = 0;
    logger.on('retry', () => {
      retries += 1;
    });
    proxy.terminateNextStartups(1);
    const id = await logger.logEvent(makeEvent(1));
    expect(await logger.close()).toMatchObject({
      sinks: { postgres: { received: 1, written: 1, fallback: 0, dropped: 0 } },
    });
    expect(retries).toBe(1);
    const { rows } = await db.pool.query('SELECT 1 FROM eventrail.event_logs WHERE id = $1', [id]);
    expect(rows).toHaveLength(1);
    expect(uncaught).toEqual([]);
  });

  it('fails the session it was checked out for (migrate), and only that one', async () => {
    proxy.terminateNextStartups(1);
    await expect(migrate({ db: pool })).rejects.toThrow(/connection error|terminat/);
    expect(uncaught).toEqual([]);
    await expect(migrate({ db: pool })).resolves.toEqual({ names: [] });
  });

  it('costs the outbox publisher one connection, not a delivery', async () => {
    const sink = new MemorySink();
    const publisher = new OutboxPublisher({ db: pool, sinks: [sink], pollIntervalMs: 60_000 });
    const states: boolean[] = [];
    publisher.on('listen', ({ connected }) => states.push(connected));
    const errors: unknown[] = [];
    publisher.on('error', (error) => errors.push(error));
    proxy.terminateNextStartups(1);
    await publisher.start();
    await waitFor(() => states.includes(true), 10_000, 'the LISTEN connection');
    await commitToOutbox(db.pool, outboxEvents(1));
    await waitFor(() => sink.events.length === 1, 10_000, 'the delivery');
    await publisher.close();
    expect(errors.length).toBeLessThanOrEqual(1);
    expect(uncaught).toEqual([]);
  });
});
