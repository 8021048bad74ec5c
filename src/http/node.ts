import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FetchHandler } from './api.js';
import { type SseText, sseTextOf } from './sse.js';

/**
 * Serves a fetch-style handler from Node's `http` server:
 * `http.createServer(toNodeListener(createEventsApi({ ... })))`. Request bodies are not read
 * (the routes are GET only). Response bodies are streamed as they come (Server-Sent Events),
 * at the pace the client reads them; when the client goes away the body is cancelled.
 */
export function toNodeListener(
  handler: FetchHandler,
): (req: IncomingMessage, res: ServerResponse) => void {
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
 * Writes the events of `sse` to `res` as the socket takes them; stops it when the client goes.
 * Driven by callbacks, not awaits: one microtask wakes every stream a shared read fed, and a
 * wake-up of a live stream allocates no promise.
 */
function writeSse(sse: SseText, res: ServerResponse): Promise<void> {
  const socket = ownSocket(res);
  const send: Send = socket ? sendTo(socket, res.chunkedEncoding) : (text) => res.write(text);
  const drained = socket ?? res;
  return new Promise((resolve, reject) => {
    let done = false;
    const pump = (): void => {
      if (done) return;
      try {
        for (;;) {
          const text = sse.ready();
          if (text === undefined || res.destroyed) break;
          if (text.length === 0) {
            sse.onReady(pump);
            return;
          }
          if (!send(text)) {
            drained.once('drain', pump);
            return;
          }
        }
        done = true;
        // Also when the client left before this began: its 'close' came and went unheard.
        sse.stop();
        res.end();
        resolve();
      } catch (error) {
        done = true;
        sse.stop();
        reject(error);
      }
    };
    res.once('close', () => {
      sse.stop();
      pump();
    });
    send(sse.open(send));
    pump();
  });
}

/**
 * The socket of `res` when the event stream may be written to it directly: a response of
 * Node's HTTP/1 server (not an HTTP/2 compatibility one) whose `write` and `end` nobody wrapped
 * (a compression middleware, say, which must see every byte). Its headers are sent first.
 * `res.write` corks the socket, uncorks it on the next tick and sends each chunk as three
 * buffers: with a thousand streams fed by each read, over a third of the server's busy time.
 */
function ownSocket(res: ServerResponse): Socket | undefined {
  const socket = res.socket;
  if (socket === null || typeof res.chunkedEncoding !== 'boolean') return undefined;
  if (Object.hasOwn(res, 'write') || Object.hasOwn(res, 'end')) return undefined;
  res.flushHeaders();
  return socket;
}

/**
 * Sends to `socket` as the body of its response: one HTTP/1.1 chunk per call when the response
 * is chunked (its `end()` then sends the last chunk), the text as it is when it is not
 * (HTTP/1.0: the body ends when the connection closes). One write of one string per call, which
 * Node encodes straight into the socket, without a Buffer.
 */
function sendTo(socket: Socket, chunked: boolean): Send {
  return (text) => {
    if (socket.destroyed) return true;
    if (!chunked) return socket.write(text);
    return socket.write(`${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`);
  };
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
