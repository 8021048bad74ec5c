import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { SseSession, SseWriter } from './session.js';

/**
 * How `toNodeListener` writes the events of an SSE response:
 * - `response`: through `res.write`, as any body: middleware that wraps it (compression) or a
 *   subclass that overrides it sees every byte, and the response's counters (`writableLength`,
 *   the socket's `bytesWritten`) stay right.
 * - `socket`: as HTTP/1.1 chunks written straight to the response's socket, one string per
 *   chunk of frames, past `res.write` (which corks the socket, uncorks it on the next tick and
 *   sends each chunk as three buffers). Only for a response of Node's own HTTP/1 server to an
 *   HTTP/1.1 request (on Node 20.16 or later); others go through `res.write`. Whatever wraps or
 *   overrides `res.write` does not see these bytes: do not use it behind compression or
 *   anything that counts or rewrites the body.
 */
export type SseWrites = 'response' | 'socket';

/** Whether `res` may take no more writes: the client went, or something else ended it. */
function ended(res: ServerResponse, socket: Socket | null): boolean {
  return res.destroyed || res.writableEnded || (socket !== null && !socket.writable);
}

/** Writes through `res.write`, as any body. */
class ResponseWriter implements SseWriter {
  readonly #res: ServerResponse;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  get gone(): boolean {
    return ended(this.#res, this.#res.socket);
  }

  write(text: string): boolean {
    return this.#res.write(text);
  }

  onDrain(callback: () => void): void {
    this.#res.once('drain', callback);
  }

  end(): void {
    this.#res.end();
  }
}

/**
 * Writes HTTP/1.1 chunks straight to the socket of a response whose head said
 * `transfer-encoding: chunked`; `res.end()` writes the last chunk after them.
 */
class SocketWriter implements SseWriter {
  readonly #res: ServerResponse;
  readonly #socket: Socket;
  #corked: boolean;

  /** Sends the head (corked: it leaves with the first write, in one segment). */
  constructor(res: ServerResponse, socket: Socket) {
    this.#res = res;
    this.#socket = socket;
    socket.cork();
    this.#corked = true;
    res.flushHeaders();
  }

  get gone(): boolean {
    return ended(this.#res, this.#socket);
  }

  write(text: string): boolean {
    const written = this.#socket.write(
      `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`,
      'utf8',
    );
    if (this.#corked) {
      this.#corked = false;
      this.#socket.uncork();
    }
    return written;
  }

  onDrain(callback: () => void): void {
    this.#socket.once('drain', callback);
  }

  end(): void {
    this.#res.end();
  }
}

const builtin = globalThis.process?.getBuiltinModule;
/** Node's own ServerResponse and Socket (Node 20.16+; without them, always `res.write`). */
const node = builtin && {
  ServerResponse: (builtin('node:http') as typeof import('node:http')).ServerResponse,
  Socket: (builtin('node:net') as typeof import('node:net')).Socket,
};

/** The socket `writes: 'socket'` may write to, when `res` allows it (see {@link SseWrites}). */
function socketOf(req: IncomingMessage, res: ServerResponse): Socket | undefined {
  if (node === undefined || !(res instanceof node.ServerResponse)) return undefined;
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor < 1) return undefined;
  return res.socket instanceof node.Socket ? res.socket : undefined;
}

/**
 * Writes an SSE response to `res`: its head, then the session's text, at the pace the socket
 * takes it. Resolves when the stream has finished, or the client went (then the session stops).
 * @internal
 */
export function writeSse(
  session: SseSession,
  req: IncomingMessage,
  res: ServerResponse,
  head: { readonly status: number; readonly headers: Record<string, string> },
  writes: SseWrites,
): Promise<void> {
  const socket = writes === 'socket' ? socketOf(req, res) : undefined;
  // Chunked because this says so, not because Node decided it: the chunks are framed here.
  const headers = socket ? { ...head.headers, 'transfer-encoding': 'chunked' } : head.headers;
  res.writeHead(head.status, headers);
  res.once('close', () => session.stop());
  return session.run(socket ? new SocketWriter(res, socket) : new ResponseWriter(res));
}
