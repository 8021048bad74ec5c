/**
 * A TCP proxy in front of a real server, to simulate a network fault without touching the
 * server: `blackhole()` stops forwarding in both directions while every connection stays open
 * (what a dead link or a frozen server looks like: no error, no answer), and new connections are
 * accepted and then ignored the same way.
 */
import net from 'node:net';

export interface TcpProxy {
  /** The local port to connect to instead of the server's. */
  readonly port: number;
  /** Stops forwarding (both ways, every connection, old and new). */
  blackhole(): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Closes the proxy and every connection through it. */
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let blackholed = false;
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };
  const server = net.createServer((client) => {
    accepted += 1;
    const upstream = net.connect(target.port, target.host);
    track(client);
    track(upstream);
    client.on('data', (chunk) => {
      if (!blackholed) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!blackholed) client.write(chunk);
    });
    client.on('close', () => upstream.destroy());
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
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** The connection string `url` rewritten to go through `proxy`. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}
