/**
 * The shared read runs on the stream's LISTEN connection. When that connection is killed under
 * a read, or goes silent (a NAT that forgot it: no error, no answer), the stream makes a new one
 * and goes on from where it stood: every event once, in order, and a lost connection is reported
 * as `listen`, not as a failed read. Closing the stream under a read is no error either.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStream } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { collect, listeningBackends, storedIds } from '../helpers/stream.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

const db = useTestDatabase();
const closing: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

function pool(url = db.url, options: pg.PoolConfig = {}): pg.Pool {
  const p = new pg.Pool({ connectionString: url, max: 4, ...options });
  p.on('error', () => {});
  closing.push(() => p.end());
  return p;
}

/** A stream on `db` whose `error` and `listen` events are kept. */
function streamOn(db: pg.Pool, pollIntervalMs = 60_000) {
  const stream = new EventStream({ db, pollIntervalMs, bufferSize: 100_000 });
  const errors: unknown[] = [];
  const lost: unknown[] = [];
  stream.on('error', (error) => errors.push(error));
  stream.on('listen', ({ connected, error }) => {
    if (!connected) lost.push(error);
  });
  closing.push(() => stream.close());
  return { stream, errors, lost };
}

/** `count` events of `user` in one statement: one NOTIFY, read in many batches. */
async function bulk(user: string, count: number): Promise<void> {
  await db.pool.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id)
     SELECT gen_random_uuid(), 'BULK', $1 FROM generate_series(1, $2)`,
    [user, count],
  );
}

describe('the LISTEN connection that runs the shared read', () => {
  it('killed under a read: made anew, every event once and in order, no failed read', async () => {
    const { stream, errors, lost } = streamOn(pool());
    const sub = collect(stream.subscribe({ userId: 'killed' }));
    await sub.started();
    await bulk('killed', 30_000);
    await waitFor(() => sub.events.length >= 3000, 20_000, 'the catch-up under way');
    const [pid] = await listeningBackends(db.pool, db.name);
    await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await sub.until(30_000, 30_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(sub.ids()).toEqual(await storedIds(db.pool, 'killed'));
    expect(lost).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('closed under a read: the subscription ends cleanly and no read is reported failed', async () => {
    const { stream, errors } = streamOn(pool());
    const sub = collect(stream.subscribe({ userId: 'closed' }));
    await sub.started();
    await bulk('closed', 30_000);
    await waitFor(() => sub.events.length >= 3000, 20_000, 'the catch-up under way');
    await stream.close();
    expect(await sub.finished).toBeUndefined();
    expect(sub.events.length).toBeLessThan(30_000);
    expect(errors).toEqual([]);
  });

  it('silent under a read: dropped after 10 s and made anew; the stream goes on', async () => {
    const { hostname, port } = new URL(db.url);
    const proxy: TcpProxy = await startTcpProxy({ host: hostname, port: Number(port || 5432) });
    closing.push(() => proxy.close());
    // Idle connections the proxy forgot are let go of quickly, as a pool with keepalive would.
    const { stream, errors, lost } = streamOn(
      pool(throughProxy(db.url, proxy), { idleTimeoutMillis: 100 }),
      200,
    );
    const sub = collect(stream.subscribe({ userId: 'silent' }));
    await sub.started();
    await bulk('silent', 1);
    await sub.until(1);
    proxy.blackholeOpen();
    await bulk('silent', 1); // its NOTIFY is lost; a poll's read waits on the silent connection
    await sub.until(2, 20_000);
    expect(sub.ids()).toEqual(await storedIds(db.pool, 'silent'));
    expect(String(lost[0])).toMatch(/no answer within 10000 ms/);
    expect(errors).toEqual([]);
  }, 30_000);
});
