/**
 * The bytes of an SSE response of toNodeListener on the wire, with either writer: as HTTP/1.1
 * chunks (a keep-alive connection goes on serving requests after the stream ends) or, to an
 * HTTP/1.0 client, as a body the closed connection ends. It stops at once when something else
 * ended the response or its socket. By default every byte goes through `res.write`, so that
 * what wraps it (a compression middleware, say) or a subclass that overrides it sees them all;
 * with `sseWrites: 'socket'` the events go straight to the socket, past it. Heartbeats are not
 * written while the response is backed up.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  ServerResponse,
} from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventsApi, type SseWrites, toNodeListener } from '../../src/http/index.js';
import { EventQueries, EventStream } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { openSse } from '../helpers/sse.js';

const db = useTestDatabase();
const PATH = '/my/projects/p1/events/stream';
const opened: { stream: EventStream; api: EventsApi; server: Server }[] = [];

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A server of a fresh API over a fresh stream; `wrap` may stand between it and the listener,
 * which answers `GET /plain` itself.
 */
async function serve(
  wrap: (listener: Listener) => Listener = (l) => l,
  options: ServerOptions & {
    heartbeatMs?: number;
    bufferSize?: number;
    sseWrites?: SseWrites;
  } = {},
) {
  const stream = new EventStream({
    db: db.pool,
    pollIntervalMs: 50,
    bufferSize: options.bufferSize ?? 1000,
  });
  const api = new EventsApi({
    queries: new EventQueries({ db: db.pool }),
    stream,
    heartbeatMs: options.heartbeatMs ?? 60_000,
    resolveCaller: () => ({ userId: 'alice', projects: ['p1'] }),
  });
  const listener = wrap(toNodeListener(api, { sseWrites: options.sseWrites ?? 'response' }));
  const server = createServer(options, (req, res) => {
    if (req.url === '/plain') res.end('plain');
    else listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  opened.push({ stream, api, server });
  return { api, port: (server.address() as AddressInfo).port };
}

/** As `serve`, remembering the last response it was given (to end it, or its socket, from outside). */
async function serveKeeping(options: Parameters<typeof serve>[1] = {}) {
  let response: ServerResponse | undefined;
  const served = await serve(
    (listener) => (req, res) => {
      response = res;
      listener(req, res);
    },
    options,
  );
  return { ...served, response: () => response };
}

afterEach(async () => {
  for (const { stream, api, server } of opened.splice(0)) {
    await api.close();
    await stream.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Not all ASCII: a chunk's size counts bytes, not characters. */
const NOTE = 'é ✓ 😀';

/** Writes alice's events until `received()` says one arrived (a stream starts at its first read). */
async function feed(received: () => boolean) {
  for (let i = 0; !received(); i++) {
    if (i === 100) throw new Error('no event arrived');
    await db.pool.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id, project_id, payload)
       VALUES (gen_random_uuid(), 'PING', 'alice', 'p1', jsonb_build_object('note', $1::text))`,
      [NOTE],
    );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A raw TCP client: what it sent is exact, what it received is kept as it came. */
async function rawClient(port: number, allowHalfOpen = false) {
  const socket: Socket = connect({ port, host: '127.0.0.1', allowHalfOpen });
  await new Promise((resolve) => socket.once('connect', resolve));
  let received: Buffer[] = [];
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('data', (data: Buffer) => received.push(data));
  return {
    socket,
    closed,
    text: () => Buffer.concat(received).toString('latin1'),
    /** Forgets what came so far (before the next request). */
    clear: () => {
      received = [];
    },
  };
}

/**
 * The body of a chunked message, read strictly: each chunk is `<hex size>\r\n<bytes>\r\n`, and
 * `complete` says whether the last chunk (`0\r\n\r\n`) came, with nothing after it.
 */
function dechunk(body: string): { text: string; complete: boolean } {
  let text = '';
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = body.slice(at, eol);
    expect(size).toMatch(/^[0-9a-f]+$/);
    const length = Number.parseInt(size, 16);
    if (length === 0) return { text, complete: body.slice(eol) === '\r\n\r\n' };
    if (body.length < eol + 2 + length + 2) break;
    text += body.slice(eol + 2, eol + 2 + length);
    expect(body.slice(eol + 2 + length, eol + 4 + length)).toBe('\r\n');
    at = eol + 4 + length;
  }
  return { text, complete: false };
}

const split = (message: string) => {
  const end = message.indexOf('\r\n\r\n');
  return { head: message.slice(0, end), body: message.slice(end + 4) };
};

/** Writes a backlog of 6 MB of alice's events, in one statement. */
async function backlog() {
  await db.pool.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id, project_id, payload)
     SELECT gen_random_uuid(), 'BULK', 'alice', 'p1', jsonb_build_object('pad', repeat('x', 2000))
     FROM generate_series(1, 3000)`,
  );
}

describe.each(['response', 'socket'] as const)(
  'the SSE bytes toNodeListener writes (sseWrites: %s)',
  (sseWrites) => {
    it('are HTTP/1.1 chunks: the stream ends with the last chunk and the connection serves on', async () => {
      const { api, port } = await serve(undefined, { sseWrites });
      const client = await rawClient(port);
      client.socket.write(`GET ${PATH} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      await feed(() => dechunk(split(client.text()).body).text.includes('event: event\n'));
      const { head } = split(client.text());
      expect(head).toMatch(/^HTTP\/1\.1 200/);
      expect(head.toLowerCase()).toContain('transfer-encoding: chunked');
      expect(head.toLowerCase()).toContain('content-type: text/event-stream');

      await api.close();
      await waitFor(() => dechunk(split(client.text()).body).complete, 5000, 'the last chunk');
      const text = Buffer.from(dechunk(split(client.text()).body).text, 'latin1').toString();
      expect(text.startsWith('retry: ')).toBe(true);
      expect(text).toMatch(/id: [^\n]+\nevent: event\ndata: \{"id":/);
      expect(text).toContain(`"payload":{"note":"${NOTE}"}`);

      // The framing was exact, so the connection is still good for the next request.
      client.clear();
      client.socket.write(`GET ${PATH} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      await client.closed;
      expect(client.text()).toMatch(/^HTTP\/1\.1 503/);
    });

    it('are the plain event stream to an HTTP/1.0 client, ended by closing the connection', async () => {
      const { api, port } = await serve(undefined, { sseWrites });
      const client = await rawClient(port);
      client.socket.write(`GET ${PATH} HTTP/1.0\r\n\r\n`);
      await feed(() => split(client.text()).body.includes('event: event\n'));
      const { head } = split(client.text());
      expect(head.toLowerCase()).not.toContain('transfer-encoding');

      await api.close();
      await client.closed;
      const { body } = split(client.text());
      expect(body.startsWith('retry: ')).toBe(true);
      expect(body).toMatch(/id: [^\n]+\nevent: event\ndata: \{"id":/);
      expect(body).not.toContain('\r\n');
    });

    it('leave the next response on the connection intact when something else ended theirs', async () => {
      const { port, response } = await serveKeeping({ sseWrites });
      const client = await rawClient(port);
      client.socket.write(`GET ${PATH} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      await feed(() => client.text().includes('event: event\n'));
      // A timeout middleware ends the response, the connection stays open for the next request.
      response()?.end();
      await waitFor(() => dechunk(split(client.text()).body).complete, 5000, 'the last chunk');
      const answered = client.text().length;
      // Events keep coming for the subscription while the next request is answered.
      client.socket.write(`GET /plain HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      await feed(() => client.text().slice(answered).includes('plain'));
      let more = 0;
      await feed(() => ++more > 5);
      expect(client.text().slice(answered)).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nplain$/);
    });

    it('stop at the last chunk when something else ended a response with writes queued', async () => {
      const { port, response } = await serveKeeping({
        heartbeatMs: 5,
        bufferSize: 100_000,
        sseWrites,
      });
      const client = await rawClient(port);
      client.socket.write(`GET ${PATH} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      await feed(() => client.text().includes('event: event\n'));
      // The client stops reading; a backlog of 6 MB backs the server's socket up.
      client.socket.pause();
      await backlog();
      await waitFor(
        () => (response()?.socket?.writableLength ?? 0) > 0,
        10_000,
        'a backed-up socket',
      );
      // A timeout middleware ends the response: its last chunk waits behind the queued writes,
      // and so does its 'close'. Heartbeats come every 5 ms meanwhile.
      response()?.end();
      await new Promise((r) => setTimeout(r, 100));
      client.socket.resume();
      await waitFor(
        () => dechunk(split(client.text()).body).complete,
        10_000,
        'the last chunk, with nothing after it',
      );
    });

    it('stop without an error once the socket was ended under them', async () => {
      const { port, response } = await serveKeeping({ heartbeatMs: 10, sseWrites });
      const errors: Error[] = [];
      for (const { server } of opened) server.on('clientError', (error) => errors.push(error));
      const client = await rawClient(port, true);
      client.socket.write(`GET ${PATH} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      await feed(() => client.text().includes('event: event\n'));
      // As Node does when the client half-closes: the server's side ends, the socket stays open
      // until the client closes its side, which this one does not do yet.
      response()?.socket?.end();
      // Heartbeats every 10 ms would be written after the end.
      await new Promise((r) => setTimeout(r, 100));
      expect(errors).toEqual([]);
      client.socket.end();
      await client.closed;
      await waitFor(
        () => opened[0]?.stream.metrics().subscribers === 0,
        5000,
        'the subscription to end',
      );
    });
  },
);

describe('the SSE writes through res.write (the default)', () => {
  it('go through a subclass that overrides write', async () => {
    let seen = '';
    class Recording extends ServerResponse {
      override write(chunk: unknown, ...rest: unknown[]): boolean {
        seen += String(chunk);
        return (super.write as (...args: unknown[]) => boolean)(chunk, ...rest);
      }
    }
    const { port } = await serve(undefined, { ServerResponse: Recording as typeof ServerResponse });
    const client = await openSse(`http://127.0.0.1:${port}${PATH}`, {});
    await feed(() => client.events().length > 0);
    expect(seen).toContain(`id: ${client.events()[0]?.id}\nevent: event\n`);
    client.drop();
  });

  it('all go through a wrapped res.write', async () => {
    let seen = '';
    const { port } = await serve((listener) => (req, res) => {
      const write = res.write.bind(res) as (chunk: Uint8Array) => boolean;
      res.write = ((chunk: Uint8Array) => {
        seen += Buffer.from(chunk).toString();
        return write(chunk);
      }) as typeof res.write;
      listener(req, res);
    });
    const client = await openSse(`http://127.0.0.1:${port}${PATH}`, {});
    await feed(() => client.events().length > 0);
    expect(seen.startsWith('retry: ')).toBe(true);
    const id = client.events()[0]?.id as string;
    expect(seen).toContain(`id: ${id}\nevent: event\n`);
    client.drop();
  });

  it('write nothing, heartbeats included, while the response is backed up', async () => {
    const writes: { text: string; ok: boolean; whileBacked: boolean }[] = [];
    let backed = false;
    const { port } = await serve(
      (listener) => (req, res) => {
        const write = res.write.bind(res) as (chunk: string) => boolean;
        // Before the writer's own: it sees the drain first.
        res.on('drain', () => {
          backed = false;
        });
        res.write = ((chunk: string) => {
          const whileBacked = backed;
          const ok = write(chunk);
          writes.push({ text: String(chunk), ok, whileBacked });
          if (!ok) backed = true;
          return ok;
        }) as typeof res.write;
        listener(req, res);
      },
      { heartbeatMs: 5, bufferSize: 100_000 },
    );
    const client = await rawClient(port);
    client.socket.write(`GET ${PATH} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    await feed(() => client.text().includes('event: event\n'));
    client.socket.pause();
    await backlog();
    await waitFor(() => writes.some((w) => !w.ok), 10_000, 'a backed-up response');
    // Forty heartbeat intervals, most of them while the client reads nothing.
    await new Promise((r) => setTimeout(r, 200));
    expect(writes.filter((w) => w.whileBacked)).toEqual([]);
    const heard = writes.length;
    client.socket.resume();
    await waitFor(
      () => writes.slice(heard).some((w) => w.text === ': heartbeat\n\n'),
      20_000,
      'heartbeats again once the client reads',
    );
    expect(writes.filter((w) => w.whileBacked)).toEqual([]);
    client.socket.destroy();
  });
});

describe("the SSE writes with sseWrites: 'socket'", () => {
  it('go past a wrapped res.write, as documented', async () => {
    let seen = '';
    const { port } = await serve(
      (listener) => (req, res) => {
        const write = res.write.bind(res) as (chunk: string) => boolean;
        res.write = ((chunk: string) => {
          seen += String(chunk);
          return write(chunk);
        }) as typeof res.write;
        listener(req, res);
      },
      { sseWrites: 'socket' },
    );
    const client = await openSse(`http://127.0.0.1:${port}${PATH}`, {});
    await feed(() => client.events().length > 0);
    expect(client.frames[0]?.retry).toBe(3000);
    expect(seen).toBe('');
    client.drop();
  });

  it('is refused when misspelt or unknown, naming the option', () => {
    const api = new EventsApi({
      queries: new EventQueries({ db: db.pool }),
      resolveCaller: () => null,
    });
    expect(() => toNodeListener(api, { sseWrites: 'sockets' as never })).toThrow(
      /options.sseWrites/,
    );
    expect(() => toNodeListener(api, { sseWrite: 'socket' } as never)).toThrow(
      /did you mean 'sseWrites'\?/,
    );
  });
});
