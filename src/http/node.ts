import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FetchHandler } from './api.js';

/**
 * Serves a fetch-style handler from Node's `http` server:
 * `http.createServer(toNodeListener(createEventsApi({ ... })))`. Request bodies are not read
 * (the routes are GET only).
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
        res.end(req.method === 'HEAD' ? undefined : Buffer.from(await response.arrayBuffer()));
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
  };
}
