import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type EventsApi, type FetchHandler, fetchHandlerOf } from './api.js';
import { type SseText, sseTextOf } from './sse.js';

/**
 * Serves an {@link EventsApi} (or any fetch-style handler) from Node's `http` server:
 * `http.createServer(toNodeListener(new EventsApi({ ... })))`. Request bodies are not read
 * (the routes are GET only). Response bodies are streamed as they come (Server-Sent Events),
 * at the pace the client reads them; when the client goes away the body is cancelled. Throws a
 * `ValidationError` for anything but an `EventsApi` or a function.
 */
export function toNodeListener(
  api: EventsApi | FetchHandler,
): (req: IncomingMessage, res: ServerResponse) => void {
  const handler = fetchHandlerOf(api);
  return (req, res) => {
    // Inside the chain: a request `Request` cannot represent (a Host header that is not a host,
    // a TRACE method) answers 400 instead of throwing out of the server's listener.
    Promise.resolve()
      .then(() => {
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers)) {
          if (Array.isArray(value)) for (const v of value) headers.append(name, v);
          else if (value !== undefined) headers.set(name, value);
        }
        let request: Request;
        try {
          const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
          request = new Request(url, { method: req.method ?? 'GET', headers });
        } catch {
          return new Response(null, { status: 400 });
        }
        return handler(request);
      })
      .then(async (response) => {
        if (res.headersSent) {
          // Something else answered while the route was deciding (a timeout middleware): let
          // go of the body, which ends an SSE subscription.
          await response.body?.cancel();
          return;
        }
        res.writeHead(response.status, Object.fromEntries(response.headers));
        const sse = sseTextOf(response);
        if (req.method === 'HEAD' || response.body === null) {
          await response.body?.cancel();
          res.end();
          return;
        }
        // Server-Sent Events of this API go out as text, without a web stream in between.
        await (sse ? writeSse(sse, res) : pipe(response.body, res));
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  };
}

/** Where SSE text goes; answers whether it can take more now. */
type Send = (text: string) => boolean;

/**
 * Writes the events of `sse` to `res` as the socket takes them; stops it when the client goes,
 * or when something else ended the response. Driven by callbacks, not awaits: one microtask
 * wakes every stream a shared read fed, and a wake-up of a live stream allocates no promise.
 */
function writeSse(sse: SseText, res: ServerResponse): Promise<void> {
  const socket = takeOverSocket(res);
  // Over: the client went, or the response was ended by someone else (a timeout middleware):
  // nothing more may be written, least of all into the next response on the connection.
  const over = () =>
    res.destroyed || res.writableEnded || (socket !== undefined && !socket.writable);
  const send: Send = (text) => {
    if (text.length === 0 || over()) return true;
    if (socket === undefined) return res.write(text);
    if (!res.chunkedEncoding) return socket.write(text, 'utf8');
    return socket.write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`, 'utf8');
  };
  const drained = socket ?? res;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = () => {
      done = true;
      drained.removeListener('drain', pump);
      sse.stop();
    };
    const pump = (): void => {
      if (done) return;
      try {
        for (;;) {
          const text = sse.ready();
          if (text === undefined || over()) break;
          if (text.length === 0) {
            sse.onReady(pump);
            return;
          }
          if (!send(text)) {
            drained.once('drain', pump);
            return;
          }
        }
        // Also when the client left before this began: its 'close' came and went unheard.
        finish();
        if (!res.writableEnded) res.end();
        resolve();
      } catch (error) {
        finish();
        reject(error);
      }
    };
    res.once('close', () => {
      sse.stop();
      pump();
    });
    send(sse.open(send));
    // The headers and the opening text leave in one segment.
    socket?.uncork();
    pump();
  });
}

const builtin = globalThis.process?.getBuiltinModule;
/** Node's own ServerResponse and Socket (Node 20.16+; without them, always `res.write`). */
const stock = builtin && {
  response: (builtin('node:http') as typeof import('node:http')).ServerResponse.prototype,
  Socket: (builtin('node:net') as typeof import('node:net')).Socket,
};

/**
 * The socket of `res` (corked, its headers written to it) when the event stream may be written
 * to it directly: a response of Node's HTTP/1 server whose `write` and `end` are Node's own,
 * neither wrapped on the response (a compression middleware) nor overridden by a subclass (a
 * test harness's fake response, which must see every byte). A patch of Node's own prototype made
 * before this module loaded cannot be told apart. `res.write` corks the socket, uncorks it on the
 * next tick and sends each chunk as three buffers: with a thousand streams fed by each read,
 * over a third of the server's busy time.
 */
function takeOverSocket(res: ServerResponse): Socket | undefined {
  const socket = res.socket;
  if (stock === undefined || !(socket instanceof stock.Socket)) return undefined;
  if (res.write !== stock.response.write || res.end !== stock.response.end) return undefined;
  socket.cork();
  res.flushHeaders();
  return socket;
}

/** Writes `body` to `res` chunk by chunk, waiting for the socket to drain; cancels it on close. */
async function pipe(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
  const reader = body.getReader();
  const gone = new Promise<void>((resolve) => res.once('close', resolve));
  void gone.then(() => reader.cancel().catch(() => {}));
  for (;;) {
    const { done, value } = await reader.read();
    if (done || res.destroyed) break;
    if (!res.write(value)) {
      await Promise.race([new Promise((resolve) => res.once('drain', resolve)), gone]);
    }
  }
  // A client that left before this began sent its 'close' unheard: cancel here too.
  if (res.destroyed) await reader.cancel().catch(() => {});
  res.end();
}
