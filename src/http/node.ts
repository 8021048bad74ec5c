import type { IncomingMessage, ServerResponse } from 'node:http';
import { defineOptions } from '../options/schema.js';
import { oneOf } from '../options/spec.js';
import { type EventsApi, type FetchHandler, fetchHandlerOf } from './api.js';
import { type SseWrites, writeSse } from './sse/node-writer.js';
import { sseSessionOf } from './sse.js';

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /**
   * How Server-Sent Events are written: `'response'` through `res.write` (what middleware
   * sees), or `'socket'` as HTTP/1.1 chunks straight to the socket, skipping `res.write`'s
   * per-write cost: only where nothing wraps or overrides `res.write` (see {@link SseWrites}).
   * @default 'response'
   */
  readonly sseWrites?: SseWrites;
}

const nodeListenerOptions = defineOptions<NodeListenerOptions>()('NodeListenerOptions', {
  sseWrites: oneOf(['response', 'socket'] as const).default('response'),
});

/**
 * Serves an {@link EventsApi} (or any fetch-style handler) from Node's `http` server:
 * `http.createServer(toNodeListener(new EventsApi({ ... })))`. Request bodies are not read
 * (the routes are GET only). Response bodies are streamed as they come (Server-Sent Events),
 * at the pace the client reads them; when the client goes away the body is cancelled. Throws a
 * `ValidationError` for anything but an `EventsApi` or a function.
 */
export function toNodeListener(
  api: EventsApi | FetchHandler,
  options?: NodeListenerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const handler = fetchHandlerOf(api);
  const { sseWrites } = nodeListenerOptions.resolve(options);
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
        const head = { status: response.status, headers: Object.fromEntries(response.headers) };
        // Server-Sent Events of this API go out as text, without a web stream in between.
        const sse = sseSessionOf(response);
        if (sse) return writeSse(sse, req, res, head, sseWrites);
        res.writeHead(head.status, head.headers);
        if (req.method === 'HEAD' || response.body === null) {
          await response.body?.cancel();
          res.end();
          return;
        }
        await pipe(response.body, res);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
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
