/**
 * The shared read runs on the stream's LISTEN connection. When that connection is killed under
 * a read, or goes silent (a NAT that forgot it: no error, no answer), the stream makes a new one
 * and goes on from where it stood: every event once, in order, and a lost connection is reported
 * as `listen`, not as a failed read. Closing the stream under a read is no error either. A read
 * the server is slow with is ended by the server, and the connection kept.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStream, StreamError } from '../../src/postgres/index.js';
import { READ_TAG } from '../../src/postgres/sql/stream.js';
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

/**
 * Holds an ACCESS EXCLUSIVE lock on event_logs until the LISTEN connection's shared read waits
 * for it: a read surely in flight. Resolves with that backend and how to let the read go.
 */
async function blockedRead(): Promise<{ pid: number; release(): Promise<void> }> {
  const locker = await db.pool.connect();
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await locker.query('ROLLBACK').catch(() => {});
    locker.release();
  };
  // Whatever fails from here, the lock is let go (first: closing runs in reverse).
  closing.push(release);
  await locker.query('BEGIN');
  await locker.query('LOCK TABLE eventrail.event_logs IN ACCESS EXCLUSIVE MODE');
  let pid: number | undefined;
  await waitFor(
    async () => {
      const { rows } = await db.pool.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'
           AND starts_with(query, $2)`,
        [db.name, READ_TAG],
      );
      pid = rows[0]?.pid;
      return pid !== undefined;
    },
    10_000,
    'a shared read waiting for the lock',
  );
  return { pid: pid as number, release };
}

describe('the LISTEN connection that runs the shared read', () => {
  it('killed under a read: made anew, every event once and in order, no failed read', async () => {
    const { stream, errors, lost } = streamOn(pool(), 200);
    const sub = collect(stream.subscribe({ userId: 'killed' }));
    await sub.started();
    await bulk('killed', 30_000);
    await waitFor(() => sub.events.length >= 3000, 20_000, 'the catch-up under way');
    const blocked = await blockedRead();
    await db.pool.query('SELECT pg_terminate_backend($1)', [blocked.pid]);
    await waitFor(() => lost.length > 0, 10_000, 'the loss reported');
    await blocked.release();
    await sub.until(30_000, 30_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(sub.ids()).toEqual(await storedIds(db.pool, 'killed'));
    expect(String(lost[0])).toMatch(/terminating connection/);
    expect(errors).toEqual([]);
  });

  it('closed under a read: the subscription ends cleanly, no read reported failed', async () => {
    const { stream, errors } = streamOn(pool(), 200);
    const sub = collect(stream.subscribe({ userId: 'closed' }));
    await sub.started();
    await bulk('closed', 30_000);
    await waitFor(() => sub.events.length >= 3000, 20_000, 'the catch-up under way');
    const blocked = await blockedRead();
    await stream.close();
    await blocked.release();
    expect(await sub.finished).toBeUndefined();
    expect(sub.events.length).toBeLessThan(30_000);
    expect(errors).toEqual([]);
  });

  it('slow under a read: the server ends the read, the connection stays', async () => {
    const { stream, errors, lost } = streamOn(pool(), 200);
    const sub = collect(stream.subscribe({ userId: 'slow' }));
    await sub.started();
    await bulk('slow', 1);
    await sub.until(1);
    const blocked = await blockedRead();
    await waitFor(() => errors.length > 0, 15_000, 'the read ended by statement_timeout');
    await blocked.release();
    // Reported as the stream's own error, the driver's as its cause.
    expect(errors[0]).toBeInstanceOf(StreamError);
    expect(errors[0]).toMatchObject({ code: 'STREAM_READ', cause: { code: '57014' } });
    await bulk('slow', 1);
    await sub.until(2);
    expect(lost).toEqual([]);
    expect(await listeningBackends(db.pool, db.name)).toEqual([blocked.pid]);
    expect(sub.ids()).toEqual(await storedIds(db.pool, 'slow'));
  }, 30_000);

  it('silent under a read: dropped after 10 s and made anew; the stream goes on', async () => {
    const { hostname, port } = new URL(db.url);
    const proxy: TcpProxy = await startTcpProxy({ host: hostname, port: Number(port || 5432) });
    closing.push(() => proxy.close());
    // Idle pool connections the proxy forgot are let go of at once, not after pg-pool's 10 s.
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
