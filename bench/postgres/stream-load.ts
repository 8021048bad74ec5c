/**
 * The load of the `stream` bench, in a process of its own (forked by stream.ts), as the other
 * instances of an application would be: a writer logging RATE events/s over 100 users, and the
 * SSE clients. Both here, so the time an event committed and the time a client received it are
 * read from one clock, and the server process under test does only what it would in production.
 */
import { randomUUID } from 'node:crypto';
import { Agent, get, type IncomingMessage } from 'node:http';
import { EventLogger, type EventRecord } from '../../src/index.js';
import { PostgresSink } from '../../src/postgres/index.js';
import { benchPool } from '../lib/pool.js';

/** Which writer: eventrail's logger at its defaults, or the raw statement of stream.ts. */
export type WriterKind = 'eventrail' | 'raw';

/** Messages from the parent. */
export type LoadCommand =
  | { readonly type: 'connect'; readonly urls: readonly string[] }
  | {
      readonly type: 'write';
      readonly writer: WriterKind;
      readonly url: string;
      readonly rate: number;
    }
  | { readonly type: 'measure' }
  /** Stop writing; what committed while measuring gets `drainMs` more to arrive. */
  | { readonly type: 'report'; readonly drainMs: number };

/** What this process answers to `connect` and `report`. */
export type LoadReply =
  | { readonly type: 'ready' }
  | { readonly type: 'connected' }
  | {
      readonly type: 'report';
      readonly latencies: number[];
      /** Events committed while measuring that clients received (one per client). */
      readonly received: number;
      readonly written: number;
      readonly ended: number;
      readonly seconds: number;
    };

export const USERS = 100;
export const userOf = (n: number) => `user-${n % USERS}`;
const TICK_MS = 10;
const ID = /data: \{"id":"([0-9a-f-]{36})"/g;

/**
 * The raw writer: one statement per tick inserts its events and `pg_notify`s each row as JSON
 * (what the raw server in stream.ts forwards).
 */
const RAW_INSERT = `WITH rows AS (
  INSERT INTO eventrail.event_logs (id, event_type, user_id, project_id, payload)
  SELECT id, 'TICK', user_id, 'p', payload FROM unnest($1::uuid[], $2::text[], $3::jsonb[])
    AS r(id, user_id, payload)
  RETURNING id, event_type, user_id, project_id, payload, created_at)
SELECT count(pg_notify('bench_raw', row_to_json(r)::text))
FROM (SELECT id, event_type AS "type", user_id AS "userId", project_id AS "projectId", payload,
  created_at AS "createdAt" FROM rows) AS r`;

const committed = new Map<string, number>();
const latencies: number[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
let measuringSince: number | undefined;
let measuringUntil = Number.POSITIVE_INFINITY;
let received = 0;
let written = 0;
let ended = 0;
let stop: (() => Promise<void>) | undefined;

const send = (reply: LoadReply) => process.send?.(reply);
/** Arrivals of events whose writer has not had the commit's answer yet. */
const early = new Map<string, number>();
const commit = (ids: readonly string[]) => {
  const at = performance.now();
  for (const id of ids) {
    committed.set(id, at);
    const arrivals = early.get(id);
    if (arrivals === undefined) continue;
    early.delete(id);
    // Read by a client before the writer had the answer: counted as no latency at all.
    if (timed(at)) {
      received += arrivals;
      for (let i = 0; i < arrivals; i++) latencies.push(0);
    }
  }
};
/** Whether an event that committed at `at` is timed: it committed while measuring. */
const timed = (at: number | undefined): at is number =>
  at !== undefined && at >= (measuringSince ?? Number.POSITIVE_INFINITY) && at <= measuringUntil;

/** One SSE connection: resolves once the response has begun. */
function connect(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent }, (response: IncomingMessage) => {
      response.setEncoding('utf8');
      let rest = '';
      response.on('data', (chunk: string) => {
        const at = performance.now();
        const text = rest + chunk;
        const cut = text.lastIndexOf('\n\n');
        rest = cut < 0 ? text : text.slice(cut + 2);
        const frames = cut < 0 ? '' : text.slice(0, cut);
        if (frames.includes('event: end\n')) ended += 1;
        for (const match of frames.matchAll(ID)) {
          const id = match[1] as string;
          const commitAt = committed.get(id);
          if (commitAt === undefined) early.set(id, (early.get(id) ?? 0) + 1);
          // Only events committed while measuring are timed.
          if (!timed(commitAt)) continue;
          received += 1;
          latencies.push(at - commitAt);
        }
      });
      response.on('error', () => {});
      resolve();
    });
    request.on('error', reject);
  });
}

/** Starts writing `rate` events/s; returns how to stop. */
function write(kind: WriterKind, url: string, rate: number): () => Promise<void> {
  const pool = benchPool(
    { connectionString: url, max: 4, application_name: 'eventrail-bench-load' },
    'bench load writer',
  );
  const sink = new PostgresSink({ db: pool });
  const logger = new EventLogger({
    sinks: [
      {
        name: 'postgres',
        async write(batch: readonly EventRecord[]) {
          await sink.write(batch);
          commit(batch.map((e) => e.id));
        },
      },
    ],
    fallback: null,
  });
  const tick = async (n: number, count: number) => {
    if (kind === 'eventrail') {
      for (let i = 0; i < count; i++) {
        logger.logEvent({
          type: 'TICK',
          userId: userOf(n + i),
          projectId: 'p',
          payload: { n: n + i },
        });
      }
      return;
    }
    const ids = Array.from({ length: count }, () => randomUUID());
    const users = ids.map((_, i) => userOf(n + i));
    const payloads = ids.map((_, i) => JSON.stringify({ n: n + i }));
    await pool.query(RAW_INSERT, [ids, users, payloads]);
    commit(ids);
  };
  let running = true;
  let issued = 0;
  const loop = (async () => {
    const perTick = (rate * TICK_MS) / 1000;
    let next = performance.now();
    while (running) {
      // Ticks are not awaited: a slow statement does not slow the rate, as with many writers.
      void tick(issued, perTick);
      issued += perTick;
      if (measuringSince !== undefined && measuringUntil === Number.POSITIVE_INFINITY) {
        written += perTick;
      }
      next += TICK_MS;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
  })();
  return async () => {
    running = false;
    await loop;
    await logger.close();
    await pool.end();
  };
}

process.on('message', async (command: LoadCommand) => {
  switch (command.type) {
    case 'connect':
      for (const url of command.urls) await connect(url);
      send({ type: 'connected' });
      break;
    case 'write':
      stop = write(command.writer, command.url, command.rate);
      break;
    case 'measure':
      measuringSince = performance.now();
      break;
    case 'report': {
      measuringUntil = performance.now();
      const seconds = (measuringUntil - (measuringSince ?? measuringUntil)) / 1000;
      await stop?.();
      // What committed while measuring and is still on its way gets until then to arrive.
      await new Promise((r) => setTimeout(r, command.drainMs));
      agent.destroy();
      // The report may be large: the channel closes once it is sent, not before.
      process.send?.({ type: 'report', latencies, received, written, ended, seconds }, () =>
        process.disconnect(),
      );
      break;
    }
  }
});
// Messages sent before this process listens would be lost: the parent waits for this first.
send({ type: 'ready' });
