/**
 * NATS JetStream for one integration test file: unique stream names (deleted when the file ends),
 * an admin connection, a collector that reads a stream with an ordered consumer, a private
 * `nats-server` that a test may kill and restart (never the shared one), and a TCP proxy that can
 * cut every connection through it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type JetStreamManager, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, inject } from 'vitest';

export interface TestNats {
  readonly url: string;
  /** A unique stream name (deleted at the end, on the shared server) or subject token. */
  name(label: string): string;
  /** The admin connection and its manager (open between beforeAll and afterAll). */
  readonly connection: NatsConnection;
  readonly manager: JetStreamManager;
  /** Reads `stream` from its start until `count` messages arrived or `idleMs` passed without one. */
  collect(
    stream: string,
    count: number,
    idleMs?: number,
    connection?: NatsConnection,
  ): Promise<JsMsg[]>;
}

export function useNats(): TestNats {
  const url = inject('natsUrl');
  const tag = randomBytes(4).toString('hex');
  const streams = new Set<string>();
  const state = {} as { connection: NatsConnection; manager: JetStreamManager };
  beforeAll(async () => {
    state.connection = await connect({ servers: url, name: `eventrail-test-${tag}` });
    state.manager = await jetstreamManager(state.connection);
  });
  afterAll(async () => {
    for (const stream of streams) await state.manager.streams.delete(stream).catch(() => false);
    await state.connection.close();
  });
  return {
    url,
    name(label) {
      const name = `et_${label}_${tag}`;
      streams.add(name);
      return name;
    },
    get connection() {
      return state.connection;
    },
    get manager() {
      return state.manager;
    },
    collect: (stream, count, idleMs = 5000, connection = state.connection) =>
      collectStream(connection, stream, count, idleMs),
  };
}

async function collectStream(
  connection: NatsConnection,
  stream: string,
  count: number,
  idleMs: number,
): Promise<JsMsg[]> {
  const consumer = await jetstream(connection).consumers.get(stream);
  const messages = await consumer.consume({ idle_heartbeat: 1000 });
  const received: JsMsg[] = [];
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => void messages.stop(), idleMs);
  };
  arm();
  for await (const message of messages) {
    received.push(message);
    if (received.length >= count) break;
    arm();
  }
  clearTimeout(idle);
  await messages.close();
  return received;
}

/** A free local port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A `nats-server -js` of this test alone, on its own port and storage directory. */
export interface PrivateNatsServer {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL: no goodbye to clients) and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts it again on the same port and storage; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Kills it and removes its storage. */
  dispose(): Promise<void>;
}

export async function startPrivateNatsServer(): Promise<PrivateNatsServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'eventrail-nats-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server',
      ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100 && !(await answers(port)); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!(await answers(port))) throw new Error(`private nats-server did not start on ${port}`);
  };
  const kill = async () => {
    const running = child;
    // Killed already (a signal sets signalCode, not exitCode): nothing to wait for.
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    kill,
    start,
    async dispose() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP proxy in front of a port whose connections a test can cut at once. */
export interface CuttingProxy {
  readonly port: number;
  /** Connections cut so far. */
  readonly cuts: number;
  /**
   * Stops passing the server's bytes to clients (what clients send still reaches the server):
   * messages are stored, their acks never arrive. Until the next `cut()`.
   */
  mute(): void;
  /** Destroys every connection through the proxy (both sides); new ones are accepted. */
  cut(): void;
  close(): Promise<void>;
}

export async function startCuttingProxy(targetPort: number): Promise<CuttingProxy> {
  const open = new Set<Socket>();
  let cuts = 0;
  let muted = false;
  const server: Server = createServer((client) => {
    const upstream = tcpConnect({ host: '127.0.0.1', port: targetPort });
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      open.add(a);
      a.on('data', (chunk) => {
        if (!(muted && a === upstream)) b.write(chunk);
      });
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    get cuts() {
      return cuts;
    },
    mute() {
      muted = true;
    },
    cut() {
      cuts += 1;
      muted = false;
      for (const socket of open) socket.destroy();
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
