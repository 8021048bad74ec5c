import { createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { RabbitMQSink } from '../../src/rabbitmq/index.js';
import { records } from '../helpers/brokers.js';

/** A server that accepts TCP connections and never answers: the AMQP handshake hangs. */
const sockets = new Set<Socket>();
const server = createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});

describe('a broker that accepts connections and never answers', () => {
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `amqp://guest:guest@127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('holds a write at most connectTimeoutMs, then fails the next ones at once', async () => {
    const sink = new RabbitMQSink({ url, exchange: 'x', connectTimeoutMs: 1500 });
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [sink], fallback, retry: { retries: 0 } });
    const started = performance.now();
    await logger.logEvent({ type: 'T', userId: 'u' });
    await logger.flush();
    const firstMs = performance.now() - started;
    expect(firstMs).toBeGreaterThanOrEqual(1400);
    expect(fallback.lastFailure?.error).toMatchObject({ code: 'RABBITMQ_UNAVAILABLE' });
    // The socket timeout (the same 1500 ms) ends the attempt about when the write gives up.
    while (sink.state === 'connecting') await new Promise((r) => setTimeout(r, 10));
    expect(sink.state).toBe('reconnecting');

    // The attempt failed (socket timeout): later writes do not wait for the next one.
    const again = performance.now();
    await logger.logEvents(Array.from({ length: 50 }, () => ({ type: 'T', userId: 'u' })));
    await logger.flush();
    expect(performance.now() - again).toBeLessThan(1000);
    expect(fallback.events).toHaveLength(51);
    expect(sink.metrics().connectFailures).toBeGreaterThan(0);
    const summary = await logger.close({ timeoutMs: 2000 });
    expect(summary.timedOut).toBe(false);
  });

  it('closes within its deadline while the handshake hangs, failing the waiting write', async () => {
    const sink = new RabbitMQSink({ url, exchange: 'x', connectTimeoutMs: 5000 });
    const write = sink.write(records(3), { signal: new AbortController().signal });
    expect(sink.state).toBe('connecting');
    const started = performance.now();
    expect(await sink.close({ timeoutMs: 200 })).toEqual({ timedOut: false, unconfirmed: 0 });
    expect(performance.now() - started).toBeLessThan(200);
    await expect(write).rejects.toMatchObject({ code: 'CLOSED', part: 'RabbitMQSink' });
    expect(sink.metrics()).toMatchObject({ state: 'closed', published: 0 });
  });
});
