/**
 * A TCP proxy in front of a real server, to simulate a network fault without touching the
 * server: `blackhole()` stops forwarding in both directions while every connection stays open
 * (what a dead link or a frozen server looks like: no error, no answer), and new connections are
 * accepted and then ignored the same way. `terminateNextStartups(n)` makes the next `n`
 * connections end the way a Postgres backend terminated as it started does: the server's FATAL
 * 57P01 follows its first ReadyForQuery in the same write, and the socket closes.
 */
import net from 'node:net';

export interface TcpProxy {
  /** The local port to connect to instead of the server's. */
  readonly port: number;
  /** Stops forwarding (both ways, every connection, old and new). */
  blackhole(): void;
  /**
   * Stops forwarding on the connections open now, both ways, leaving them open (a NAT or load
   * balancer that forgot them); new connections work.
   */
  blackholeOpen(): void;
  /** The next `count` Postgres connections are terminated right after their startup. */
  terminateNextStartups(count: number): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Closes the proxy and every connection through it. */
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let blackholed = false;
  let accepted = 0;
  let toTerminate = 0;
  const sockets = new Set<net.Socket>();
  /** Per open connection: whether it no longer forwards. */
  const open = new Set<{ dead: boolean }>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    accepted += 1;
    const upstream = net.connect(target.port, target.host);
    const link = { dead: false };
    open.add(link);
    track(client);
    track(upstream);
    client.on('data', (chunk) => {
      if (!blackholed && !link.dead) upstream.write(chunk);
    });
    const startup = toTerminate > 0 ? new StartupWatch() : undefined;
    if (startup) toTerminate -= 1;
    upstream.on('data', (chunk: Buffer) => {
      if (blackholed || link.dead) return;
      const cut = startup?.readyAt(chunk);
      if (cut === undefined) return void client.write(chunk);
      client.end(Buffer.concat([chunk.subarray(0, cut), TERMINATED]));
      upstream.destroy();
    });
    client.on('close', () => {
      open.delete(link);
      upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get accepted() {
      return accepted;
    },
    blackhole() {
      blackholed = true;
    },
    blackholeOpen() {
      for (const link of open) link.dead = true;
    },
    terminateNextStartups(count) {
      toTerminate = count;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Postgres's ErrorResponse for `pg_terminate_backend`: FATAL 57P01. */
const TERMINATED = errorResponse({
  S: 'FATAL',
  V: 'FATAL',
  C: '57P01',
  M: 'terminating connection due to administrator command',
});

function errorResponse(fields: Record<string, string>): Buffer {
  const body = Buffer.concat([
    ...Object.entries(fields).map(([key, value]) => Buffer.from(`${key}${value}\0`)),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

/** Follows the server's messages from the start of a connection up to its first ReadyForQuery. */
class StartupWatch {
  #seen = Buffer.alloc(0);
  #next = 0;

  /** Where in `chunk` the first ReadyForQuery ends, once it has arrived. */
  readyAt(chunk: Buffer): number | undefined {
    const chunkStart = this.#seen.length;
    this.#seen = Buffer.concat([this.#seen, chunk]);
    while (this.#next + 5 <= this.#seen.length) {
      const end = this.#next + 1 + this.#seen.readInt32BE(this.#next + 1);
      if (end > this.#seen.length) return undefined;
      const type = String.fromCharCode(this.#seen[this.#next] as number);
      this.#next = end;
      if (type === 'Z') return end - chunkStart;
    }
    return undefined;
  }
}

/** The connection string `url` rewritten to go through `proxy`. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}
