/**
 * A client that goes away while the SSE route is still deciding (its caller being resolved)
 * leaves nothing behind: its 'close' came before the response was written, and the subscription
 * made after it must still end. So does a response that something else answered meanwhile.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventsApi, toNodeListener } from '../../src/http/index.js';
import { EventQueries, EventStream } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';

const db = useTestDatabase();
const cursorSecret = 'a-stable-test-secret-of-32-chars!!';
let stream: EventStream;
let api: EventsApi;
let server: Server;
let port = 0;
/** Resolves the pending caller lookup; set while one waits. */
let admit: (() => void) | undefined;
let asked = 0;

beforeAll(async () => {
  stream = new EventStream({ db: db.pool, cursorSecret, pollIntervalMs: 100 });
  api = new EventsApi({
    queries: new EventQueries({ db: db.pool, cursorSecret }),
    stream,
    heartbeatMs: 50,
    resolveCaller: async () => {
      asked += 1;
      await new Promise<void>((resolve) => {
        admit = resolve;
      });
      return { userId: 'alice', projects: ['p1'] };
    },
  });
  const listener = toNodeListener(api);
  server = createServer((req, res) => {
    // What a timeout middleware does: answer on its own while the route is still deciding.
    if (req.headers['x-timeout'] !== undefined) setTimeout(() => res.writeHead(504).end(), 50);
    listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await api.close();
  await stream.close();
});

describe('GET .../events/stream through toNodeListener', () => {
  /** Waits for the subscription the request made (so that its end below is not vacuous), then for its end. */
  async function openedThenEnded(opened: number) {
    await waitFor(() => api.metrics().streamsOpened === opened + 1, 5000, 'the subscription');
    await waitFor(() => stream.metrics().subscribers === 0, 2000, 'the subscription to end');
    expect(stream.metrics().subscribers).toBe(0);
    expect(api.metrics()).toMatchObject({ streamsOpened: opened + 1, openStreams: 0 });
  }

  it('ends the subscription of a client that left before the response began', async () => {
    const opened = api.metrics().streamsOpened;
    const req = request({ port, host: '127.0.0.1', path: '/my/projects/p1/events/stream' });
    req.on('error', () => {});
    req.end();
    await waitFor(() => asked === 1, 5000, 'the caller lookup');
    req.destroy();
    // The server sees the socket close before the route answers.
    await new Promise((r) => setTimeout(r, 100));
    admit?.();
    // With the bug, the subscription stayed open for good (and its heartbeat kept firing).
    await new Promise((r) => setTimeout(r, 300));
    await openedThenEnded(opened);
  });

  it('ends the subscription of a response that something else answered meanwhile', async () => {
    const before = asked;
    const opened = api.metrics().streamsOpened;
    const answered = new Promise<number | undefined>((resolve) => {
      const req = request(
        {
          port,
          host: '127.0.0.1',
          path: '/my/projects/p1/events/stream',
          headers: { 'x-timeout': '50' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode);
        },
      );
      req.on('error', () => resolve(undefined));
      req.end();
    });
    await waitFor(() => asked === before + 1, 5000, 'the caller lookup');
    expect(await answered).toBe(504);
    admit?.();
    // With the bug, writeHead threw (headers already sent) and the subscription stayed open.
    await new Promise((r) => setTimeout(r, 300));
    await openedThenEnded(opened);
  });
});
