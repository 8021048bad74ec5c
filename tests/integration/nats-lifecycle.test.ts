/**
 * NatsSink's lifecycle against real servers: its `log`, `error` events when the connection is
 * lost and each reconnect attempt fails (at the backoff's pace) until it gives up, a `close()`
 * bounded by its deadline when the server stops answering, and `await using`.
 */
import { describe, expect, it } from 'vitest';
import { type NatsError, NatsSink } from '../../src/nats/index.js';
import { pause, records } from '../helpers/brokers.js';
import { recordingLog } from '../helpers/lifecycle-log.js';
import { startCuttingProxy, startPrivateNatsServer, useNats } from '../helpers/nats.js';

const nats = useNats();
const signal = new AbortController().signal;

describe('NatsSink lifecycle', () => {
  it('logs its states and reports the lost connection and each failed attempt, paced by the backoff, until it gives up', async () => {
    const server = await startPrivateNatsServer();
    const { log, lines } = recordingLog();
    const sink = new NatsSink({
      servers: server.url,
      stream: { name: 'LIFECYCLE', storage: 'memory' },
      reconnect: { retries: 3, minDelayMs: 100, factor: 2, jitter: 'none' },
      log,
    });
    const errors: { error: NatsError; at: number }[] = [];
    sink.on('error', (error) => errors.push({ error, at: performance.now() }));
    try {
      await sink.write(records(1), { signal });
      await server.kill();
      for (let i = 0; i < 200 && sink.state !== 'closed'; i++) await pause(25);

      expect(sink.state).toBe('closed');
      expect(errors.map((e) => e.error.code)).toEqual([
        'NATS_CONNECTION_LOST',
        'NATS_UNAVAILABLE',
        'NATS_UNAVAILABLE',
        'NATS_CLOSED',
      ]);
      expect(errors[3]?.error.message).toMatch(/gave up reconnecting/);
      // Dials after the loss: at once (or 100 ms after the last), then 100 ms, then 200 ms apart.
      const [lost, first, second] = errors.map((e) => e.at) as [number, number, number];
      expect(first - lost).toBeGreaterThanOrEqual(90);
      expect(second - first).toBeGreaterThanOrEqual(190);
      expect(sink.metrics()).toMatchObject({ connects: 1, disconnects: 1, connectFailures: 2 });
      await expect(sink.write(records(1), { signal })).rejects.toMatchObject({
        code: 'NATS_CLOSED',
      });

      expect(lines.map((l) => `${l.level} ${l.message}`)).toEqual([
        'debug eventrail NATS sink connecting',
        'info eventrail NATS sink connected',
        'warn eventrail NATS sink reconnecting',
        'warn eventrail NATS sink error',
        'warn eventrail NATS sink error',
        'warn eventrail NATS sink error',
        'info eventrail NATS sink closed',
        'warn eventrail NATS sink error',
      ]);
      expect(lines[1]?.details).toEqual({
        sink: 'nats',
        state: 'connected',
        previous: 'connecting',
      });
      expect(lines[3]?.details).toMatchObject({
        sink: 'nats',
        err: expect.objectContaining({ code: 'NATS_CONNECTION_LOST' }),
      });
      expect(await sink.close()).toEqual({ timedOut: false, unconfirmed: 0 });
    } finally {
      await sink.close();
      await server.dispose();
    }
  }, 30_000);

  it('returns by the deadline from a server that stopped answering, counting the unacknowledged', async () => {
    const proxy = await startCuttingProxy(Number(new URL(nats.url).port || 4222));
    const stream = nats.name('silent');
    const sink = new NatsSink({
      servers: `nats://127.0.0.1:${proxy.port}`,
      stream: { name: stream, subjects: [`${stream}.>`], storage: 'memory' },
      subject: (e) => `${stream}.${e.type}`,
    });
    try {
      await sink.write(records(1), { signal });
      proxy.mute();
      const write = sink.write(records(100), { signal });
      while (sink.metrics().published < 101) await pause(1);

      const started = performance.now();
      const closing = sink.close({ timeoutMs: 200 });
      expect(sink.close()).toBe(closing);
      const summary = await closing;
      expect(performance.now() - started).toBeLessThan(500);
      expect(summary).toEqual({ timedOut: true, unconfirmed: 100 });
      // The connection is closed: the write in flight fails at once, its acks lost.
      await expect(write).rejects.toMatchObject({ code: 'NATS_CLOSED' });
      expect(sink.metrics()).toMatchObject({ state: 'closed', confirmed: 1, lost: 100 });
    } finally {
      await proxy.close();
    }
  });

  it('is closed by `await using`, with the default deadline', async () => {
    const stream = nats.name('using');
    let held: NatsSink | undefined;
    {
      await using sink = new NatsSink({
        servers: nats.url,
        stream: { name: stream, subjects: [`${stream}.>`], storage: 'memory' },
        subject: (e) => `${stream}.${e.type}`,
      });
      held = sink;
      await sink.write(records(3), { signal });
      expect(sink.state).toBe('connected');
    }
    expect(held.state).toBe('closed');
    expect(await held.close()).toEqual({ timedOut: false, unconfirmed: 0 });
    expect(await nats.collect(stream, 3)).toHaveLength(3);
  });
});
