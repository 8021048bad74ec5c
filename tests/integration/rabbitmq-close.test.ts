import amqplib from 'amqplib';
import { describe, expect, it } from 'vitest';
import { ClosedError, EventLogger, type EventRecord, MemorySink } from '../../src/index.js';
import { useRabbitMQ } from '../helpers/rabbitmq.js';
import { startTcpProxy, throughProxy } from '../helpers/tcp-proxy.js';

const mq = useRabbitMQ();

/** Records made by a logger (the sink's input), without sending them anywhere. */
async function records(n: number): Promise<EventRecord[]> {
  const memory = new MemorySink();
  const logger = new EventLogger({ sinks: [memory], fallback: null });
  await logger.logEvents(
    Array.from({ length: n }, (_, i) => ({ type: 'T', userId: 'u', payload: { i } })),
  );
  await logger.close();
  return memory.events;
}

const signal = new AbortController().signal;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RabbitMQSink.close', () => {
  it('waits for the confirms of a write in flight, then closes what it opened; idempotent', async () => {
    const { sink, queue } = mq.sink();
    const batch = await records(2000);
    const write = sink.write(batch, { signal });
    while (sink.metrics().published < 2000) await new Promise((r) => setTimeout(r, 1));
    expect(sink.metrics().confirmed).toBeLessThan(2000);
    const closing = sink.close();
    expect(sink.close()).toBe(closing);
    await expect(write).resolves.toBeUndefined();
    expect(await closing).toEqual({ timedOut: false, unconfirmed: 0 });
    expect(sink.metrics()).toMatchObject({ state: 'closed', published: 2000, confirmed: 2000 });
    expect(await mq.collect(queue, 2000)).toHaveLength(2000);
    // The leak check of useRabbitMQ fails this file if the sink's connection is still open.
  });

  it('stops waiting for confirms when the write is aborted (a write timeout, the close deadline)', async () => {
    const { sink } = mq.sink();
    const controller = new AbortController();
    const write = sink.write(await records(2000), { signal: controller.signal });
    while (sink.metrics().published < 2000) await new Promise((r) => setTimeout(r, 1));
    controller.abort(new Error('write timed out'));
    await expect(write).rejects.toThrow('write timed out');
    await sink.close();
  });

  it('returns by the deadline from a broker that stopped answering, counting the unconfirmed', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(mq.url).port) });
    try {
      const { sink } = mq.sink({ url: throughProxy(mq.url, proxy) });
      await sink.write(await records(1), { signal });
      proxy.blackhole();
      const write = sink.write(await records(100), { signal });
      while (sink.metrics().published < 101) await pause(1);

      const started = performance.now();
      const summary = await sink.close({ timeoutMs: 200 });
      const took = performance.now() - started;
      expect(summary).toEqual({ timedOut: true, unconfirmed: 100 });
      expect(took).toBeGreaterThanOrEqual(190);
      expect(took).toBeLessThan(500);
      // The sink let go of its socket at the deadline: the write in flight fails at once.
      await expect(write).rejects.toMatchObject({ code: 'RABBITMQ_CONNECTION_LOST' });
      expect(sink.metrics()).toMatchObject({ state: 'closed', confirmed: 1, unconfirmed: 100 });
      expect(sink.close()).toBe(sink.close());
    } finally {
      await proxy.close();
    }
  });

  it('is closed by `await using`, with the default deadline', async () => {
    const made = mq.sink();
    {
      await using sink = made.sink;
      await sink.write(await records(3), { signal });
      expect(sink.state).toBe('connected');
    }
    expect(made.sink.state).toBe('closed');
    expect(await made.sink.close()).toEqual({ timedOut: false, unconfirmed: 0 });
    expect(await mq.collect(made.queue, 3)).toHaveLength(3);
    // The leak check of useRabbitMQ fails this file if the sink's connection is still open.
  });

  it('refuses writes after close with a permanent ClosedError', async () => {
    const { sink } = mq.sink();
    await sink.close();
    const error = await sink.write(await records(1), { signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClosedError);
    expect(error).toMatchObject({ code: 'CLOSED', part: 'RabbitMQSink' });
    expect(sink.classifyError(error)).toBe('permanent');
  });

  it('never closes a connection it was given, only its own channel', async () => {
    const connection = await amqplib.connect(mq.url, {
      clientProperties: { connection_name: mq.name('host-connection') },
    });
    try {
      const { sink, queue } = mq.sink({ connection });
      await sink.write(await records(5), { signal });
      await sink.close();
      const channel = await connection.createChannel();
      expect((await channel.checkQueue(queue)).messageCount).toBe(5);
      await channel.close();
    } finally {
      await connection.close();
    }
  });

  it('reports a plain connection closed by its owner as closed: writes fail at once, permanently', async () => {
    const connection = await amqplib.connect(mq.url, {
      clientProperties: { connection_name: mq.name('host-connection') },
    });
    const { sink } = mq.sink({ connection });
    await sink.write(await records(1), { signal });
    await connection.close();
    expect(sink.state).toBe('closed');
    const error = await sink.write(await records(1), { signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RABBITMQ_CLOSED' });
    expect(sink.classifyError(error)).toBe('permanent');
    await sink.close();
  });
});
