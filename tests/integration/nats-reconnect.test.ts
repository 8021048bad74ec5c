import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { EventLogger, MemorySink } from '../../src/index.js';
import { NatsSink } from '../../src/nats/index.js';
import { startCuttingProxy, startPrivateNatsServer, useNats } from '../helpers/nats.js';
import { waitFor } from '../helpers/outbox.js';

const nats = useNats();
const EVENTS = 5000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Logs EVENTS events at a steady pace, calling `disrupt` once when `at` of them are logged. */
async function logThrough(logger: EventLogger, at: number, disrupt: () => Promise<void>) {
  for (let i = 0; i < EVENTS; i++) {
    if (i === at) await disrupt();
    await logger.logEvent({ type: 'RECONNECT', userId: 'u', payload: { i } });
    if (i % 250 === 0) await pause(5);
  }
}

function loggerFor(sink: NatsSink, fallback: MemorySink, batching = {}): EventLogger {
  // Enough patience for a restart: retries over ~15 s before an event would go to the fallback.
  const retry = { retries: 40, minDelayMs: 50, maxDelayMs: 500 };
  return new EventLogger({ sinks: [{ sink, retry }], fallback, ...batching });
}

describe('NatsSink across lost connections', () => {
  it('survives a server restart mid-stream: every event stored once, retried copies dropped as duplicates', async () => {
    const server = await startPrivateNatsServer();
    const sink = new NatsSink({
      servers: server.url,
      stream: { name: 'RESTART', subjects: ['eventrail.>'] },
      reconnect: { minDelayMs: 50, maxDelayMs: 500 },
    });
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = loggerFor(sink, fallback);
    try {
      await logThrough(logger, 2000, async () => {
        await server.kill();
        await pause(300);
        await server.start();
      });
      const summary = await logger.close();
      expect(fallback.events).toHaveLength(0);
      expect(summary.sinks.nats).toMatchObject({ written: EVENTS, fallback: 0 });

      const admin = await connect({ servers: server.url });
      try {
        const messages = await nats.collect('RESTART', EVENTS, 5000, admin);
        const ids = new Set(messages.map((m) => m.headers?.get('Nats-Msg-Id')));
        expect(messages).toHaveLength(EVENTS);
        expect(ids.size).toBe(EVENTS);
      } finally {
        await admin.close();
      }
      const metrics = sink.metrics();
      expect(metrics.disconnects).toBeGreaterThanOrEqual(1);
      expect(metrics.reconnects + metrics.connects - 1).toBeGreaterThanOrEqual(1);
      // Each event was acknowledged once (then no longer retried); a stored message whose ack was
      // lost came back as a duplicate on its retry.
      expect(metrics.confirmed).toBe(EVENTS);
      expect(metrics.duplicates).toBeLessThanOrEqual(metrics.lost);
      console.info(
        `restart: ${metrics.duplicates} duplicate(s) dropped, ${metrics.lost} ack(s) lost`,
      );
    } finally {
      await logger.close();
      await server.dispose();
    }
  }, 60_000);

  it('survives connections cut mid-stream: every event arrives once, duplicates counted', async () => {
    const proxy = await startCuttingProxy(Number(new URL(nats.url).port || 4222));
    const stream = nats.name('cut');
    const sink = new NatsSink({
      servers: `nats://127.0.0.1:${proxy.port}`,
      stream: { name: stream, subjects: [`${stream}.>`] },
      subject: (e) => `${stream}.${e.type}`,
      reconnect: { minDelayMs: 20, maxDelayMs: 200 },
    });
    const fallback = new MemorySink({ name: 'fallback' });
    // Writes of 1000 events and no timer: when the disruption is due (1550 logged), the first
    // 1000 are written and 550 wait for the flush below, however loaded the machine.
    const logger = loggerFor(sink, fallback, { flushSize: 1000, flushIntervalMs: 60_000 });
    try {
      const disrupt = async () => {
        await waitFor(() => sink.metrics().confirmed === 1000, 20_000, 'the first write');
        // Acks lost on the way back: the messages published while muted are stored, their
        // retries are dropped as duplicates. Wait until some are stored before the cut.
        const stored = async () => (await nats.manager.streams.info(stream)).state.messages;
        proxy.mute();
        const flushing = logger.flush();
        await waitFor(async () => (await stored()) > 1000, 10_000, 'messages stored while muted');
        proxy.cut();
        await flushing;
        proxy.cut();
      };
      await logThrough(logger, 1550, disrupt);
      const summary = await logger.close();
      expect(summary.sinks.nats).toMatchObject({ written: EVENTS, fallback: 0 });

      const messages = await nats.collect(stream, EVENTS);
      expect(messages).toHaveLength(EVENTS);
      expect(new Set(messages.map((m) => m.headers?.get('Nats-Msg-Id'))).size).toBe(EVENTS);
      const metrics = sink.metrics();
      expect(metrics.disconnects).toBeGreaterThanOrEqual(2);
      expect(metrics.lost).toBeGreaterThan(0);
      expect(metrics.duplicates).toBeGreaterThan(0);
      expect(metrics.duplicates).toBeLessThanOrEqual(metrics.lost);
      expect(metrics.confirmed).toBe(EVENTS);
      console.info(`cuts: ${metrics.duplicates} duplicate(s) dropped, ${metrics.lost} ack(s) lost`);
    } finally {
      await logger.close();
      await proxy.close();
    }
  }, 60_000);
});
