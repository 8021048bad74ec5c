/**
 * EventStream keeps the lifecycle contract: options that refuse a typo (naming the closest
 * one), `close()` once for every caller with a summary, `await using`, a deadline kept while
 * the database stops answering, a synchronous `metrics()`, faults as `StreamError` events, and
 * lifecycle messages to one `log`.
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { ClosedError } from '../../src/index.js';
import { EventStream, StreamError } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { recordingLog } from '../helpers/lifecycle-log.js';
import { waitFor } from '../helpers/outbox.js';
import { refused } from '../helpers/refused.js';
import { collect, listeningBackends } from '../helpers/stream.js';
import { startTcpProxy, type TcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

const db = useTestDatabase();
const closing: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

/** A stream closed after the test. */
function stream(options: Partial<ConstructorParameters<typeof EventStream>[0]> = {}) {
  const s = new EventStream({ db: db.pool, pollIntervalMs: 50, ...options });
  closing.push(() => s.close());
  return s;
}

async function write(user: string, count = 1): Promise<void> {
  await db.pool.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id)
     SELECT gen_random_uuid(), 'TICK', $1 FROM generate_series(1, $2)`,
    [user, count],
  );
}

describe('EventStream options', () => {
  it('refuses a misspelt option, naming it and the closest one; the old batchSize by name', () => {
    const typo = refused(() => new EventStream({ db: db.pool, bufferSzie: 10 } as never));
    expect(typo).toMatchObject({ field: 'options.bufferSzie', code: 'VALIDATION_UNKNOWN' });
    expect(typo.message).toContain("did you mean 'bufferSize'?");
    const cased = refused(() => new EventStream({ db: db.pool, pollIntervalMS: 10 } as never));
    expect(cased.message).toContain("did you mean 'pollIntervalMs'?");
    const renamed = refused(() => new EventStream({ db: db.pool, batchSize: 10 } as never));
    expect(renamed).toMatchObject({ field: 'options.batchSize', code: 'VALIDATION_UNKNOWN' });
  });

  it('refuses missing or non-object options, and bad values, with a ValidationError', () => {
    expect(refused(() => new EventStream(undefined as never))).toMatchObject({
      field: 'options',
      code: 'VALIDATION_REQUIRED',
    });
    expect(refused(() => new EventStream('postgres://x' as never))).toMatchObject({
      field: 'options',
      code: 'VALIDATION_TYPE',
    });
    expect(refused(() => new EventStream({ db: 'pool' as never }))).toMatchObject({
      field: 'options.db',
    });
    expect(refused(() => new EventStream({ db: db.pool, readSize: 0 }))).toMatchObject({
      field: 'options.readSize',
      code: 'VALIDATION_RANGE',
    });
    expect(refused(() => new EventStream({ db: db.pool, schema: 'a;b' }))).toMatchObject({
      field: 'options.schema',
    });
    expect(refused(() => new EventStream({ db: db.pool, cursorSecret: 'short' }))).toMatchObject({
      field: 'options.cursorSecret',
    });
    expect(refused(() => new EventStream({ db: db.pool, log: {} as never }))).toMatchObject({
      field: 'options.log',
    });
  });

  it('refuses a misspelt subscribe option with a suggestion, and a signal that is not one', () => {
    const s = stream();
    const typo = refused(() => s.subscribe({ userId: 'u' }, {}, { form: 'start' } as never));
    expect(typo).toMatchObject({ field: 'options.form', code: 'VALIDATION_UNKNOWN' });
    expect(typo.message).toContain("did you mean 'from'?");
    expect(refused(() => s.subscribe({ userId: 'u' }, {}, { signal: 'x' } as never))).toMatchObject(
      { field: 'options.signal', code: 'VALIDATION_TYPE' },
    );
    expect(refused(() => s.subscribe({ userId: 'u' }, {}, 'x' as never))).toMatchObject({
      field: 'options',
      code: 'VALIDATION_TYPE',
    });
    expect(s.metrics().subscribers).toBe(0);
  });
});

describe('EventStream.close()', () => {
  it('returns the same promise to every caller, ends every subscription and says how many', async () => {
    const s = stream();
    const subs = [collect(s.subscribe({ userId: 'a' })), collect(s.subscribe({ userId: 'b' }))];
    await Promise.all(subs.map((c) => c.started()));
    await waitFor(async () => (await listeningBackends(db.pool, db.name)).length === 1);
    const first = s.close();
    expect(s.close({ timeoutMs: 1 })).toBe(first);
    expect(await first).toEqual({ timedOut: false, ended: 2 });
    for (const c of subs) expect(await c.finished).toBeUndefined();
    expect(s.metrics()).toMatchObject({ subscribers: 0, listening: false });
    // The LISTEN connection was ended; its backend leaves pg_stat_activity a moment later.
    await waitFor(
      async () => (await listeningBackends(db.pool, db.name)).length === 0,
      2000,
      'the LISTEN backend to end',
    );
    const refused = (() => {
      try {
        s.subscribe({ userId: 'a' });
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(ClosedError);
    expect(refused).toMatchObject({ code: 'CLOSED', part: 'EventStream' });
  });

  it('refuses bad close options at once and stays open', async () => {
    const s = stream();
    await expect(s.close({ timeotMs: 5 } as never)).rejects.toMatchObject({
      field: 'options.timeotMs',
      code: 'VALIDATION_UNKNOWN',
    });
    const sub = collect(s.subscribe({ userId: 'open' }));
    await sub.started();
    await write('open');
    await sub.until(1);
  });

  it('is what `await using` calls', async () => {
    let sub: ReturnType<typeof collect> | undefined;
    {
      await using s = new EventStream({ db: db.pool, pollIntervalMs: 50 });
      sub = collect(s.subscribe({ userId: 'disposed' }));
      await sub.started();
    }
    expect(await sub.finished).toBeUndefined();
    await waitFor(
      async () => (await listeningBackends(db.pool, db.name)).length === 0,
      2000,
      'the LISTEN backend to end',
    );
  });

  describe('while the database stops answering', () => {
    let proxy: TcpProxy;
    let proxied: pg.Pool;

    async function blackholedStream(listen: boolean) {
      const { hostname, port } = new URL(db.url);
      proxy = await startTcpProxy({ host: hostname, port: Number(port || 5432) });
      proxied = new pg.Pool({ connectionString: throughProxy(db.url, proxy), max: 4 });
      proxied.on('error', () => {});
      // The proxy first: the read it holds fails, and the pool can end.
      closing.push(async () => {
        await proxy.close();
        await proxied.end();
      });
      const s = new EventStream({ db: proxied, listen, pollIntervalMs: 20 });
      const errors: unknown[] = [];
      s.on('error', (error) => errors.push(error));
      const sub = collect(s.subscribe({ userId: 'held' }));
      await sub.started();
      if (listen) await waitFor(() => s.metrics().listening, 10_000, 'LISTEN');
      proxy.blackhole();
      // A poll's read is sent and never answered.
      const reads = s.metrics().reads;
      await new Promise((r) => setTimeout(r, 200));
      expect(s.metrics().reads).toBeLessThanOrEqual(reads + 1);
      return { s, sub, errors };
    }

    it('returns by its deadline with the read still in flight through the pool', async () => {
      const { s, sub, errors } = await blackholedStream(false);
      const started = performance.now();
      const summary = await s.close({ timeoutMs: 200 });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(summary).toEqual({ timedOut: true, ended: 1 });
      expect(await sub.finished).toBeUndefined();
      // The read fails once the proxy goes: after the close, nothing is reported.
      await proxy.close();
      await new Promise((r) => setTimeout(r, 100));
      expect(errors).toEqual([]);
    });

    it('releases the LISTEN connection, under its read, within the deadline', async () => {
      const { s, sub, errors } = await blackholedStream(true);
      const started = performance.now();
      const summary = await s.close({ timeoutMs: 200 });
      expect(performance.now() - started).toBeLessThan(1000);
      expect(summary.ended).toBe(1);
      expect(await sub.finished).toBeUndefined();
      expect(errors).toEqual([]);
    });
  });
});

describe('EventStream.metrics()', () => {
  it('is a synchronous snapshot with the documented keys', async () => {
    // One read hands over up to 7 events at once: the stalled one, 2 behind, overflows 8.
    const s = stream({ bufferSize: 8 });
    const empty = s.metrics();
    expect(empty).not.toBeInstanceOf(Promise);
    expect(Object.keys(empty).sort()).toEqual([
      'delivered',
      'errors',
      'lagged',
      'listening',
      'readDurationMs',
      'reads',
      'subscribers',
    ]);
    expect(empty).toEqual({
      subscribers: 0,
      delivered: 0,
      lagged: 0,
      reads: 0,
      errors: 0,
      listening: false,
      readDurationMs: { count: 0, p50: 0, p99: 0, max: 0 },
    });
    const a = collect(s.subscribe({ userId: 'm' }));
    const b = collect(s.subscribe({ userId: 'm' }));
    const stalled = s.subscribe({ userId: 'm' });
    const first = stalled.next();
    await Promise.all([a.started(), b.started()]);
    await waitFor(() => s.metrics().listening, 10_000, 'LISTEN');
    await write('m', 3);
    await Promise.all([a.until(3), b.until(3), first]);
    await write('m', 7);
    await Promise.all([a.until(10), b.until(10)]);
    const m = s.metrics();
    expect(m.subscribers).toBe(2);
    expect(m.lagged).toBe(1);
    expect(m.delivered).toBe(21);
    expect(m.reads).toBeGreaterThan(0);
    expect(m.readDurationMs.count).toBe(m.reads);
    expect(m.readDurationMs.max).toBeGreaterThan(0);
    expect(m.errors).toBe(0);
  });
});

describe('EventStream faults and log', () => {
  it("emits a failed shared read as a StreamError, its cause the driver's error explained", async () => {
    const s = stream({ schema: 'nosuch' });
    const errors: unknown[] = [];
    s.on('error', (error) => errors.push(error));
    s.subscribe({ userId: 'x' }).onReady(() => {});
    await waitFor(() => errors.length > 0, 10_000, 'a failed read');
    expect(errors[0]).toBeInstanceOf(StreamError);
    expect(errors[0]).toMatchObject({
      code: 'STREAM_READ',
      cause: { code: 'NOT_MIGRATED', missing: 'nosuch.event_logs', cause: { code: '42P01' } },
    });
    expect(s.metrics().errors).toBeGreaterThanOrEqual(1);
  });

  it('emits an onReady callback that throws as a StreamError, and goes on', async () => {
    const s = stream();
    const errors: unknown[] = [];
    s.on('error', (error) => errors.push(error));
    const boom = new Error('boom');
    const failing = s.subscribe({ userId: 'cb' });
    failing.onReady(() => {
      throw boom;
    });
    await waitFor(() => errors.length > 0, 10_000, 'the callback');
    expect(errors[0]).toBeInstanceOf(StreamError);
    expect(errors[0]).toMatchObject({ code: 'STREAM_CALLBACK', cause: boom });
    const sub = collect(failing);
    await sub.started();
    await write('cb');
    await sub.until(1);
  });

  it('logs the LISTEN connection and the close', async () => {
    const { log, lines } = recordingLog();
    const s = stream({ log });
    const sub = collect(s.subscribe({ userId: 'logged' }));
    await sub.started();
    await waitFor(() => s.metrics().listening, 10_000, 'LISTEN');
    await s.close();
    expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
      'info eventrail stream LISTEN connected',
      'info eventrail stream closed',
    ]);
    expect(lines[1]?.details).toEqual({ timedOut: false, ended: 1 });
  });
});
