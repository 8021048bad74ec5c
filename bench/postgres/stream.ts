/**
 * `stream`: commit → received by an SSE client over loopback HTTP, while an EventLogger (at its
 * defaults, into Postgres) writes RATE events/s spread over 100 users. Configurations: 1, 100 and
 * 1,000 subscribers spread over those users (10 per user at 1,000), and 100 on one user (a hot
 * scope). "Commit" is when the sink's write resolved (its transaction committed), so a latency
 * includes the NOTIFY, the shared read, the fan-out, SSE framing and the HTTP hop.
 * Clients, server, stream and logger share one process (and this machine with other work).
 */
import { Agent, createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEventsApi, toNodeListener } from '../../src/http/index.js';
import { EventLogger, type EventRecord } from '../../src/index.js';
import { EventQueries, EventStream, PostgresSink } from '../../src/postgres/index.js';
import type { BenchDatabase } from '../lib/database.js';
import { note, percentile, report } from '../lib/report.js';

const RATE = Number(process.env.BENCH_STREAM_RATE ?? 5000);
const SECONDS = Number(process.env.BENCH_STREAM_SECONDS ?? 5);
const USERS = 100;
const ID = /data: \{"id":"([0-9a-f-]{36})"/g;

interface Client {
  received: number;
  /** The server ended the stream early (`event: end`, e.g. the subscriber lagged). */
  ended: boolean;
  close(): void;
}

/** One SSE connection that records when each event id arrives. */
function connect(
  url: string,
  user: string,
  agent: Agent,
  onEvent: (id: string) => void,
): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client: Client = { received: 0, ended: false, close: () => request.destroy() };
    const request = get(
      url,
      { agent, headers: { 'x-user': user } },
      (response: IncomingMessage) => {
        response.setEncoding('utf8');
        let rest = '';
        response.on('data', (chunk: string) => {
          const text = rest + chunk;
          const cut = text.lastIndexOf('\n\n');
          rest = cut < 0 ? text : text.slice(cut + 2);
          const frames = cut < 0 ? '' : text.slice(0, cut);
          if (frames.includes('event: end\n')) client.ended = true;
          for (const match of frames.matchAll(ID)) {
            client.received += 1;
            onEvent(match[1] as string);
          }
        });
        response.once('data', () => resolve(client));
        response.on('error', () => {});
      },
    );
    request.on('error', reject);
  });
}

async function connections(pool: ReturnType<BenchDatabase['pool']>) {
  const { rows } = await pool.query<{ all: number; listen: number }>(
    `SELECT count(*)::int AS "all", count(*) FILTER (WHERE query ILIKE 'LISTEN %')::int AS "listen"
     FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  return rows[0] as { all: number; listen: number };
}

async function run(db: BenchDatabase, subscribers: number, hot: boolean): Promise<void> {
  const streamPool = db.pool(4);
  const writePool = db.pool(4);
  const stream = new EventStream({ db: streamPool });
  const api = createEventsApi({
    queries: new EventQueries({ db: streamPool }),
    stream,
    resolveCaller: (request) => ({
      userId: request.headers.get('x-user') ?? '',
      projects: ['p'],
    }),
  });
  const server = createServer(toNodeListener(api));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

  const committed = new Map<string, number>();
  const latencies: number[] = [];
  let measuring = false;
  const onEvent = (id: string) => {
    const at = committed.get(id);
    if (measuring && at !== undefined) latencies.push(Math.max(0, performance.now() - at));
  };
  const sink = new PostgresSink({ db: writePool });
  const logger = new EventLogger({
    sinks: [
      {
        name: 'postgres',
        async write(batch: readonly EventRecord[]) {
          await sink.write(batch);
          const now = performance.now();
          for (const event of batch) committed.set(event.id, now);
        },
      },
    ],
    fallback: null,
  });

  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const clients: Client[] = [];
  for (let i = 0; i < subscribers; i++) {
    const user = hot ? 'user-0' : `user-${i % USERS}`;
    clients.push(await connect(`${base}/my/projects/p/events/stream`, user, agent, onEvent));
  }
  globalThis.gc?.();
  const heapPerSubscriber = (process.memoryUsage().heapUsed - heapBefore) / subscribers;

  let stop = false;
  let n = 0;
  const writer = (async () => {
    const perTick = RATE / 100;
    let next = performance.now();
    while (!stop) {
      for (let i = 0; i < perTick; i++, n++) {
        await logger.logEvent({
          type: 'TICK',
          userId: `user-${n % USERS}`,
          projectId: 'p',
          payload: { n },
        });
      }
      next += 10;
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
  })();
  await new Promise((r) => setTimeout(r, 1000));
  measuring = true;
  const receivedBefore = clients.reduce((s, c) => s + c.received, 0);
  const started = performance.now();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const seconds = (performance.now() - started) / 1000;
  const delivered = clients.reduce((s, c) => s + c.received, 0) - receivedBefore;
  measuring = false;
  const used = await connections(writePool);
  stop = true;
  await writer;
  await logger.close();
  for (const c of clients) c.close();
  await api.close();
  await stream.close();
  agent.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await streamPool.end();
  await writePool.end();

  const sorted = latencies.sort((a, b) => a - b);
  report({
    scenario: hot ? 'stream-sse-hot-scope' : `stream-sse-${subscribers}`,
    unit: 'ms commit → SSE client, p50',
    value: percentile(sorted, 50),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    subscribers,
    users: hot ? 1 : Math.min(subscribers, USERS),
    writtenPerSecond: Math.round(n / (seconds + 1)),
    deliveredPerSecond: delivered / seconds,
    heapBytesPerSubscriber: Math.round(heapPerSubscriber),
    endedAsLagging: clients.filter((c) => c.ended).length,
    dbConnections: used.all,
    listenConnections: used.listen,
    defaults: true,
    goalP99Ms: subscribers === 1000 ? 50 : undefined,
  });
}

export async function streamBench(db: BenchDatabase): Promise<void> {
  for (const [subscribers, hot] of [
    [1, false],
    [100, false],
    [1000, false],
    [100, true],
  ] as const) {
    note(`stream: ${subscribers} subscribers${hot ? ' on one user' : ''}`);
    await run(db, subscribers, hot);
    await db.reset();
  }
}
