/**
 * `stream`: commit → received by an SSE client over loopback HTTP, while events are written at
 * RATE events/s spread over 100 users. Configurations: 1, 100 and 1,000 subscribers spread over
 * those users (10 per user at 1,000), and 100 on one user (a hot scope).
 *
 * eventrail: an EventLogger at its defaults writes into Postgres; this process serves the SSE
 * route of `EventsApi` from one EventStream at its defaults. "Commit" is when the sink's
 * write resolved (its transaction committed), so a latency includes the NOTIFY, the shared read,
 * the fan-out, SSE framing and the HTTP hop.
 * Raw limit, same run: `pg` alone. Each 10 ms one statement inserts the tick's events and
 * `pg_notify`s each row as JSON; this process holds one LISTEN connection and writes each
 * notification to the SSE responses of its user. It is the shortest path from a commit to a
 * client that Postgres offers (no read back, no order across transactions, no resume), so it
 * bounds what any stream can reach.
 * Writer and clients run in a child process (stream-load.ts), as other instances would.
 * event_logs has as many partitions as 90 days of retention keep (BENCH_STREAM_PARTITIONS): the
 * stream's read has no time bound, so their number is part of its cost.
 *
 * `stream-sse-writer-1000` (BENCH_STREAM_SUBSCRIBERS=writer, or `npm run bench -- stream-writer`
 * alone): the two ways toNodeListener writes SSE, paired and interleaved at 1,000 subscribers:
 * `sseWrites: 'socket'` (value) against the default `res.write` (raw), BENCH_REPEATS rounds each
 * running both, in alternating order. Whether the socket path still pays is its CPU beside the
 * same latency.
 */
import { fork } from 'node:child_process';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { EventsApi, type SseWrites, toNodeListener } from '../../src/http/index.js';
import {
  EventQueries,
  EventStream,
  type EventStreamOptions,
  maintain,
} from '../../src/postgres/index.js';
import { READ_TAG } from '../../src/postgres/sql/stream.js';
import type { BenchDatabase } from '../lib/database.js';
import { benchPool } from '../lib/pool.js';
import { median, note, percentile, report } from '../lib/report.js';
import { backendCpuMs } from '../lib/server-cpu.js';
import { watchSteal } from '../lib/steal.js';
import { type LoadCommand, type LoadReply, USERS, userOf, type WriterKind } from './stream-load.js';

const RATE = Number(process.env.BENCH_STREAM_RATE ?? 5000);
const SECONDS = Number(process.env.BENCH_STREAM_SECONDS ?? 5);
/** Partitions of event_logs during the runs: as many as 90 days of retention keep. */
const PARTITIONS = Number(process.env.BENCH_STREAM_PARTITIONS ?? 93);

type StreamSource = NonNullable<EventStreamOptions['source']>;

interface Setup {
  readonly subscribers: number;
  readonly hot: boolean;
}

/** The side under test: serves SSE for a user at `url(user)`. */
interface Server {
  readonly writer: WriterKind;
  url(user: string): string;
  close(): Promise<void>;
}

interface Outcome {
  readonly sorted: number[];
  readonly deliveredPerSecond: number;
  readonly writtenPerSecond: number;
  readonly ended: number;
  /** CPU time of this process (the server under test) while measuring, % of one core. */
  readonly serverCpuPercent: number;
  /** The machine's steal time while measuring, % (see watchSteal). */
  readonly stealPercent: number | undefined;
  /** CPU time of the server's Postgres backends while measuring, % of one core, rounded. */
  readonly dbCpuPercent: number | undefined;
}

async function listenOn(handler: Parameters<typeof createServer>[1]) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (user: string) => `${base}/?user=${user}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const userParam = (url: string | undefined) =>
  new URL(url ?? '/', 'http://x').searchParams.get('user') ?? '';

/** Which stream serves SSE: `source` of EventStream, and how toNodeListener writes. */
interface Served {
  readonly sseWrites?: SseWrites;
  readonly source?: StreamSource;
}

async function eventrailServer(
  db: BenchDatabase,
  { sseWrites = 'response', source = 'notify' }: Served = {},
): Promise<Server> {
  const pool = db.pool(4);
  const stream = new EventStream({
    db: pool,
    ...(source === 'wal' ? { source, walConnection: db.url } : {}),
  });
  const api = new EventsApi({
    queries: new EventQueries({ db: pool }),
    stream,
    resolveCaller: (request) => ({ userId: request.headers.get('x-user') ?? '', projects: ['p'] }),
  });
  const listener = toNodeListener(api, { sseWrites });
  const http = await listenOn((request, response) => {
    request.headers['x-user'] = userParam(request.url);
    request.url = '/my/projects/p/events/stream';
    listener(request, response);
  });
  return {
    writer: 'eventrail',
    url: http.url,
    async close() {
      await api.close();
      await stream.close();
      await http.close();
      await pool.end();
    },
  };
}

async function rawServer(db: BenchDatabase): Promise<Server> {
  const pool = db.pool(1);
  const listener = await pool.connect();
  const responses = new Map<string, Set<ServerResponse>>();
  listener.on('notification', ({ payload }) => {
    const text = payload as string;
    const { id, userId } = JSON.parse(text) as { id: string; userId: string };
    for (const response of responses.get(userId) ?? []) {
      response.write(`id: ${id}\nevent: event\ndata: ${text}\n\n`);
    }
  });
  await listener.query('LISTEN bench_raw');
  const http = await listenOn((request, response) => {
    const user = userParam(request.url);
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(': connected\n\n');
    const set = responses.get(user) ?? new Set();
    responses.set(user, set.add(response));
    response.on('close', () => set.delete(response));
  });
  return {
    writer: 'raw',
    url: http.url,
    async close() {
      await http.close();
      listener.release(true);
      await pool.end();
    },
  };
}

/**
 * What happens around one measurement: `connected` runs once every client is connected,
 * `started` when the measurement starts, `midway` halfway through it, `ending` at its end, before
 * the writer stops. It lasts `seconds` (default BENCH_STREAM_SECONDS); events committed in it
 * may arrive until `drainMs` after the writer stopped (default 2000).
 */
interface Hooks {
  readonly connected?: () => void;
  readonly started?: () => Promise<void>;
  readonly midway?: () => Promise<void>;
  readonly ending?: () => Promise<void>;
  readonly seconds?: number;
  readonly drainMs?: number;
}

/**
 * Runs `server` under the load of `setup` (a child process); returns what its clients measured.
 */
async function measure(
  db: BenchDatabase,
  server: Server,
  setup: Setup,
  hooks: Hooks = {},
): Promise<Outcome> {
  const seconds = hooks.seconds ?? SECONDS;
  const child = fork(new URL('./stream-load.ts', import.meta.url));
  const command = (c: LoadCommand) => child.send(c);
  const reply = <T extends LoadReply['type']>(type: T) =>
    new Promise<Extract<LoadReply, { type: T }>>((resolve, reject) => {
      const on = (message: LoadReply) => {
        if (message.type !== type) return;
        child.off('message', on);
        child.off('exit', exited);
        resolve(message as Extract<LoadReply, { type: T }>);
      };
      const exited = (code: number | null) =>
        reject(new Error(`the load process exited (${code}) before '${type}'`));
      child.on('message', on);
      child.once('exit', exited);
    });
  await reply('ready');
  const urls = Array.from({ length: setup.subscribers }, (_, i) =>
    server.url(setup.hot ? 'user-0' : userOf(i)),
  );
  const connected = reply('connected');
  command({ type: 'connect', urls });
  await connected;
  hooks.connected?.();
  command({ type: 'write', writer: server.writer, url: db.url, rate: RATE });
  await new Promise((r) => setTimeout(r, 1000));
  command({ type: 'measure' });
  await hooks.started?.();
  const probe = probePool(db);
  const dbFrom = await serverBackendsCpuMs(probe);
  const cpuFrom = process.cpuUsage();
  const wallFrom = performance.now();
  const steal = watchSteal();
  await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
  await hooks.midway?.();
  await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
  await hooks.ending?.();
  const cpu = process.cpuUsage(cpuFrom);
  const wall = performance.now() - wallFrom;
  const serverCpuPercent = (cpu.user + cpu.system) / 10 / wall;
  const stealPercent = steal();
  const dbTo = await serverBackendsCpuMs(probe);
  await probe.end();
  // Backends that ended while measuring are missed; the server's keep their connections.
  let dbMs: number | undefined;
  for (const [pid, ms] of dbTo) dbMs = (dbMs ?? 0) + ms - (dbFrom.get(pid) ?? 0);
  const reported = reply('report');
  command({ type: 'report', drainMs: hooks.drainMs ?? 2000 });
  const { latencies, received, written, ended, ...measured } = await reported;
  return {
    sorted: latencies.sort((a, b) => a - b),
    deliveredPerSecond: received / measured.seconds,
    writtenPerSecond: written / measured.seconds,
    ended,
    serverCpuPercent,
    stealPercent,
    dbCpuPercent: dbMs === undefined ? undefined : Math.round((100 * dbMs) / wall),
  };
}

/**
 * CPU time (ms) used so far by each Postgres backend of the server under test (every client
 * connection to the bench database but the load process's and the probes', and the WAL senders
 * decoding for a stream with `source: 'wal'`), by pid; a backend not readable in /proc (a remote
 * server, one that just ended) is left out.
 */
async function serverBackendsCpuMs(probe: pg.Pool): Promise<Map<number, number>> {
  const { rows } = await probe.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database()
       AND backend_type IN ('client backend', 'walsender')
       AND application_name NOT IN ('eventrail-bench-load', $1)`,
    [PROBE],
  );
  const used = new Map<number, number>();
  for (const { pid } of rows) {
    const ms = backendCpuMs(pid);
    if (ms !== undefined) used.set(pid, ms);
  }
  return used;
}

/** The application name of the connections that look at the server under test. */
const PROBE = 'eventrail-bench-probe';
const probePool = (db: BenchDatabase) =>
  benchPool({ connectionString: db.url, max: 1, application_name: PROBE }, 'bench probe');

/**
 * Connections of the server under test; `listen`: those whose last statement was LISTEN or the
 * shared read.
 */
async function connections(pool: pg.Pool) {
  const { rows } = await pool.query<{ all: number; listen: number }>(
    `SELECT count(*)::int AS "all",
       count(*) FILTER (WHERE query ILIKE 'LISTEN %' OR starts_with(query, $1))::int AS "listen"
     FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
       AND application_name NOT IN ('eventrail-bench-load', $2)`,
    [READ_TAG, PROBE],
  );
  return rows[0] as { all: number; listen: number };
}

async function run(db: BenchDatabase, setup: Setup): Promise<void> {
  const raw = await rawServer(db);
  const rawOutcome = await measure(db, raw, setup);
  await raw.close();
  await db.reset();

  const server = await eventrailServer(db);
  const probe = probePool(db);
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPerSubscriber = 0;
  let used = { all: 0, listen: 0 };
  const outcome = await measure(db, server, setup, {
    connected() {
      globalThis.gc?.();
      heapPerSubscriber = (process.memoryUsage().heapUsed - heapBefore) / setup.subscribers;
    },
    midway: async () => {
      used = await connections(probe);
    },
  });
  await server.close();
  await probe.end();

  const p50 = percentile(outcome.sorted, 50);
  const rawP50 = percentile(rawOutcome.sorted, 50);
  report({
    scenario: setup.hot ? 'stream-sse-hot-scope' : `stream-sse-${setup.subscribers}`,
    unit: 'ms commit → SSE client, p50',
    value: p50,
    raw: rawP50,
    ratio: p50 / rawP50,
    p50Ms: p50,
    p99Ms: percentile(outcome.sorted, 99),
    rawP50Ms: rawP50,
    rawP99Ms: percentile(rawOutcome.sorted, 99),
    subscribers: setup.subscribers,
    users: setup.hot ? 1 : Math.min(setup.subscribers, USERS),
    partitions: PARTITIONS,
    writtenPerSecond: outcome.writtenPerSecond,
    rawWrittenPerSecond: rawOutcome.writtenPerSecond,
    deliveredPerSecond: outcome.deliveredPerSecond,
    rawDeliveredPerSecond: rawOutcome.deliveredPerSecond,
    serverCpuPercent: Math.round(outcome.serverCpuPercent),
    rawServerCpuPercent: Math.round(rawOutcome.serverCpuPercent),
    dbCpuPercent: outcome.dbCpuPercent,
    rawDbCpuPercent: rawOutcome.dbCpuPercent,
    stealPercent: outcome.stealPercent,
    rawStealPercent: rawOutcome.stealPercent,
    heapBytesPerSubscriber: Math.round(heapPerSubscriber),
    endedAsLagging: outcome.ended,
    dbConnections: used.all,
    listenConnections: used.listen,
    defaults: true,
    goalP99Ms: setup.subscribers === 1000 ? 50 : undefined,
  });
}

/** One writer's measurement at 1,000 subscribers, on a fresh server. */
async function writerRound(db: BenchDatabase, sseWrites: SseWrites) {
  const server = await eventrailServer(db, { sseWrites });
  const outcome = await measure(db, server, { subscribers: 1000, hot: false });
  await server.close();
  await db.reset();
  return {
    p50: percentile(outcome.sorted, 50),
    p99: percentile(outcome.sorted, 99),
    serverCpuPercent: outcome.serverCpuPercent,
    deliveredPerSecond: outcome.deliveredPerSecond,
    ended: outcome.ended,
  };
}

/**
 * `res.write` against the socket path at 1,000 subscribers, paired: each round runs both, in
 * alternating order, so that drift of the machine falls on both alike; medians of the rounds.
 */
async function writerBench(db: BenchDatabase): Promise<void> {
  const rounds = Number(process.env.BENCH_REPEATS ?? 3);
  const results: Record<SseWrites, Awaited<ReturnType<typeof writerRound>>[]> = {
    response: [],
    socket: [],
  };
  for (let round = 0; round < rounds; round++) {
    const order: SseWrites[] = round % 2 === 0 ? ['response', 'socket'] : ['socket', 'response'];
    for (const sseWrites of order) {
      note(`stream: SSE writer ${sseWrites}, round ${round + 1} of ${rounds}`);
      results[sseWrites].push(await writerRound(db, sseWrites));
    }
  }
  const of = (w: SseWrites, key: keyof Awaited<ReturnType<typeof writerRound>>) =>
    median(results[w].map((r) => r[key]));
  const paired = (key: 'p50' | 'serverCpuPercent') =>
    median(results.socket.map((r, i) => r[key] / (results.response[i]?.[key] ?? Number.NaN)));
  const p50 = of('socket', 'p50');
  const rawP50 = of('response', 'p50');
  report({
    scenario: 'stream-sse-writer-1000',
    unit: "ms commit → SSE client, p50, sseWrites 'socket' (raw: 'response', res.write)",
    value: p50,
    raw: rawP50,
    ratio: p50 / rawP50,
    p50Ms: p50,
    p99Ms: of('socket', 'p99'),
    rawP50Ms: rawP50,
    rawP99Ms: of('response', 'p99'),
    pairedP50Ratio: paired('p50'),
    serverCpuPercent: Math.round(of('socket', 'serverCpuPercent')),
    rawServerCpuPercent: Math.round(of('response', 'serverCpuPercent')),
    pairedServerCpuRatio: paired('serverCpuPercent'),
    deliveredPerSecond: of('socket', 'deliveredPerSecond'),
    rawDeliveredPerSecond: of('response', 'deliveredPerSecond'),
    endedAsLagging: of('socket', 'ended'),
    rawEndedAsLagging: of('response', 'ended'),
    rounds,
    subscribers: 1000,
    partitions: PARTITIONS,
  });
}

/** Subscribers of the `wal` scenario's stream part (BENCH_WAL_SUBSCRIBERS). */
const WAL_SUBSCRIBERS = Number(process.env.BENCH_WAL_SUBSCRIBERS ?? 1000);
/** How long the `wal` scenario holds a transaction open (BENCH_WAL_HOLD_SECONDS). */
const HOLD_SECONDS = Number(process.env.BENCH_WAL_HOLD_SECONDS ?? 30);
/** How long events may still arrive after it ended (BENCH_WAL_HOLD_DRAIN_MS): the cap. */
const HOLD_DRAIN_MS = Number(process.env.BENCH_WAL_HOLD_DRAIN_MS ?? 10_000);

/**
 * A transaction with a transaction id, open for the whole measurement: the NOTIFY stream reads
 * below the oldest one open, so it holds back every event committed meanwhile.
 */
function heldTransaction(db: BenchDatabase): Hooks {
  const pool = db.pool(1);
  let client: pg.PoolClient | undefined;
  return {
    seconds: HOLD_SECONDS,
    drainMs: HOLD_DRAIN_MS,
    async started() {
      client = await pool.connect();
      await client.query('BEGIN');
      await client.query('SELECT pg_current_xact_id()');
    },
    async ending() {
      await client?.query('COMMIT');
      client?.release();
      await pool.end();
    },
  };
}

/**
 * The `wal` scenario's stream part: WAL_SUBSCRIBERS subscribers (1,000) of one EventStream
 * reading the WAL (`source: 'wal'`) and of one reading after NOTIFY (today's), both at their
 * defaults, in the same run, under the writer of `stream`. Then again with a transaction held
 * open for HOLD_SECONDS (30 s) from the start of the measurement to its end: the NOTIFY stream
 * delivers nothing committed meanwhile until it ends, so its latencies run up to the hold; what
 * has not arrived HOLD_DRAIN_MS after the writer stopped is not counted (`deliveredShare` is
 * the share of the expected deliveries that arrived in time).
 */
export async function streamSources(db: BenchDatabase): Promise<void> {
  await premakePartitions(db);
  const setup = { subscribers: WAL_SUBSCRIBERS, hot: false };
  const perEvent = WAL_SUBSCRIBERS / USERS;
  for (const held of [false, true]) {
    const outcomes = new Map<StreamSource, Outcome>();
    // Each source first once, so that drift of the machine falls on both alike.
    const order: StreamSource[] = held ? ['wal', 'notify'] : ['notify', 'wal'];
    for (const source of order) {
      note(
        `stream: ${WAL_SUBSCRIBERS} subscribers, source ${source}${held ? `, a transaction open ${HOLD_SECONDS} s` : ''}`,
      );
      const server = await eventrailServer(db, { source });
      outcomes.set(source, await measure(db, server, setup, held ? heldTransaction(db) : {}));
      await server.close();
      await db.reset();
    }
    const notifyP99 = percentile(outcomes.get('notify')?.sorted ?? [], 99);
    for (const [source, o] of outcomes) {
      const p99 = percentile(o.sorted, 99);
      report({
        scenario: `wal-stream-sse-${WAL_SUBSCRIBERS}${held ? '-held' : ''}`,
        source,
        defaults: true,
        unit: 'ms commit → SSE client, p99',
        value: p99,
        p50Ms: percentile(o.sorted, 50),
        p99Ms: p99,
        ...(source === 'wal' ? { vsNotifyP99: p99 / notifyP99 } : {}),
        subscribers: WAL_SUBSCRIBERS,
        writtenPerSecond: o.writtenPerSecond,
        deliveredPerSecond: o.deliveredPerSecond,
        deliveredShare: o.deliveredPerSecond / (o.writtenPerSecond * perEvent),
        endedAsLagging: o.ended,
        serverCpuPercent: Math.round(o.serverCpuPercent),
        dbCpuPercent: o.dbCpuPercent,
        stealPercent: o.stealPercent,
        ...(held ? { heldSeconds: HOLD_SECONDS, drainMs: HOLD_DRAIN_MS } : { goalP99Ms: 50 }),
      });
    }
  }
}

/** Makes event_logs' partitions of 90 days of retention (see PARTITIONS). */
async function premakePartitions(db: BenchDatabase): Promise<void> {
  const admin = db.pool(1);
  await maintain({ db: admin, premake: PARTITIONS - 3 });
  await admin.end();
}

/**
 * The stream scenarios: `1`, `100`, `1000`, `hot`, `writer`; those named in `only` (default:
 * BENCH_STREAM_SUBSCRIBERS, comma-separated), else all.
 */
export async function streamBench(
  db: BenchDatabase,
  only = process.env.BENCH_STREAM_SUBSCRIBERS?.split(','),
): Promise<void> {
  await premakePartitions(db);
  for (const [subscribers, hot] of [
    [1, false],
    [100, false],
    [1000, false],
    [100, true],
  ] as const) {
    const name = hot ? 'hot' : String(subscribers);
    if (only !== undefined && !only.includes(name)) continue;
    note(`stream: ${subscribers} subscribers${hot ? ' on one user' : ''}`);
    await run(db, { subscribers, hot });
    await db.reset();
  }
  if (only === undefined || only.includes('writer')) await writerBench(db);
}
