/**
 * close({ timeoutMs }) returns by its deadline even when the database stops answering (a
 * blackholed link: no error, no answer) in the middle of a claim or of a settlement; the rows
 * stay pending in the table for a later publisher.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type EventrailError,
  MemorySink,
  OutboxPublisherError,
  type Sink,
  ValidationError,
} from '../../src/index.js';
import { OutboxPublisher } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

const db = useTestDatabase();
let proxy: TcpProxy | undefined;
let proxied: pg.Pool | undefined;

/** A pool on this file's database through a fresh proxy. */
async function proxiedPool(): Promise<{ pool: pg.Pool; proxy: TcpProxy }> {
  const { hostname, port } = new URL(db.url);
  proxy = await startTcpProxy({ host: hostname, port: Number(port || 5432) });
  proxied = new pg.Pool({ connectionString: throughProxy(db.url, proxy), max: 4 });
  proxied.on('error', () => {});
  return { pool: proxied, proxy };
}

afterEach(async () => {
  // Cutting the proxy's sockets ends the server's side of every connection and fails the
  // queries still waiting on this side, so the pool can end.
  await proxy?.close();
  await proxied?.end();
  proxy = undefined;
  proxied = undefined;
  await db.pool.query('TRUNCATE eventrail.event_outbox');
});

async function leasedRows(): Promise<{ pending: number; leased: number }> {
  const { rows } = await db.pool.query<{ pending: number; leased: number }>(
    `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
            count(*) FILTER (WHERE locked_by IS NOT NULL)::int AS leased
       FROM eventrail.event_outbox`,
  );
  return rows[0] as { pending: number; leased: number };
}

describe('OutboxPublisher.close() with a database that stops answering', () => {
  it('mid-settle: returns by its deadline; the rows stay pending and leased, and a later publisher publishes them', async () => {
    const ids = await commitToOutbox(db.pool, outboxEvents(20));
    const { pool, proxy } = await proxiedPool();
    // The sink takes the batch, then the link dies: the settlement never gets an answer.
    const published: string[] = [];
    const cutter: Sink = {
      name: 'cutter',
      async write(batch) {
        published.push(...batch.map((e) => e.id));
        proxy.blackhole();
      },
    };
    const leaseMs = 3000;
    const first = new OutboxPublisher({ db: pool, sinks: [cutter], leaseMs, listen: false });
    const errors: EventrailError[] = [];
    first.on('error', (error) => errors.push(error));
    await first.start();
    await waitFor(() => published.length === 20, 10_000, 'the publish');

    const started = performance.now();
    const summary = await first.close({ timeoutMs: 200 });
    const took = performance.now() - started;
    expect(took).toBeLessThan(900);
    expect(summary).toEqual({ timedOut: true, released: 0, unsettled: 20 });
    expect(await leasedRows()).toEqual({ pending: 20, leased: 20 });

    // Once the lease has run out, any publisher takes them again (at least once: twice here).
    const sink = new MemorySink({ name: 'later' });
    const later = new OutboxPublisher({ db: db.pool, sinks: [sink], pollIntervalMs: 100 });
    await later.start();
    await waitFor(() => sink.events.length === 20, 15_000, 'the later publisher');
    expect(new Set(sink.events.map((e) => e.id))).toEqual(new Set(ids));
    await later.close();
  });

  it('mid-claim: a claim with no answer is given up at the lease (counted), and close() returns by its deadline', async () => {
    const { pool, proxy } = await proxiedPool();
    const sink = new MemorySink({ name: 'never' });
    const publisher = new OutboxPublisher({
      db: pool,
      sinks: [sink],
      leaseMs: 300,
      pollIntervalMs: 50,
    });
    const errors: EventrailError[] = [];
    publisher.on('error', (error) => errors.push(error));
    await publisher.start();
    expect(publisher.metrics().listening).toBe(true);
    proxy.blackhole();
    await commitToOutbox(db.pool, outboxEvents(10));
    await waitFor(() => errors.length > 0, 5000, 'the claim to be given up');
    expect(errors[0]).toBeInstanceOf(OutboxPublisherError);
    expect(errors[0]).toMatchObject({ operation: 'claim' });

    const started = performance.now();
    const summary = await publisher.close({ timeoutMs: 600 });
    expect(performance.now() - started).toBeLessThan(1200);
    expect(summary).toMatchObject({ released: 0, unsettled: 0 });
    expect(sink.events).toHaveLength(0);
    // The claims never reached the server: the rows are pending and free.
    expect(await leasedRows()).toEqual({ pending: 10, leased: 0 });
  });

  it('validates timeoutMs as close() does, and bounds a sink whose close() never settles', async () => {
    const hanging: Sink = {
      name: 'hanging',
      write: async () => {},
      close: () => new Promise<void>(() => {}),
    };
    const publisher = new OutboxPublisher({ db: db.pool, sinks: [hanging], listen: false });
    await publisher.start();
    for (const timeoutMs of [Number.NaN, 2 ** 31, -1, 1.5]) {
      await expect(publisher.close({ timeoutMs })).rejects.toMatchObject({
        constructor: ValidationError,
        field: 'options.timeoutMs',
      });
    }
    await expect(publisher.close({ timeout: 300 } as never)).rejects.toMatchObject({
      constructor: ValidationError,
      field: 'options.timeout',
      code: 'VALIDATION_UNKNOWN',
      message: expect.stringContaining("did you mean 'timeoutMs'?"),
    });
    expect(publisher.running).toBe(true);
    const started = performance.now();
    expect(await publisher.close({ timeoutMs: 300 })).toEqual({
      timedOut: false,
      released: 0,
      unsettled: 0,
    });
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
