import { DiscardPolicy, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { EventLogger, MemorySink, normalizeEvent, PartialWriteError } from '../../src/index.js';
import { NATS_HEADERS, NatsError, NatsSink } from '../../src/nats/index.js';
import { useNats } from '../helpers/nats.js';

const nats = useNats();
const EVENTS = 10_000;
const never = new AbortController().signal;
const record = (input: Parameters<typeof normalizeEvent>[0]) =>
  normalizeEvent(input, { maxPayloadBytes: 1 << 16 });

describe('NatsSink publishing to JetStream', () => {
  it('delivers 10k events through the logger: 10k distinct ids on the right subjects, with their headers', async () => {
    const stream = nats.name('publish');
    const sink = new NatsSink({
      servers: nats.url,
      stream: { name: stream, subjects: ['eventrail.>', 'cns.>'], storage: 'memory' },
    });
    const fallback = new MemorySink({ name: 'fallback' });
    const logger = new EventLogger({ sinks: [sink], fallback });
    const expected = new Map<string, string>();
    for (let i = 0; i < EVENTS; i++) {
      // Seed 004's keys go out as they are; other events take the default subject.
      const routingKey = i % 2 === 0 ? `cns.enrichment.${i % 3 === 0 ? 'done' : 'started'}` : null;
      const id = await logger.logEvent({
        type: 'NATS_PUBLISH',
        userId: `user-${i % 7}`,
        tenantId: i % 5 === 0 ? 'tenant-a' : null,
        correlationId: `corr-${i}`,
        routingKey,
        payload: { i },
      });
      expected.set(id, routingKey ?? 'eventrail.NATS_PUBLISH');
    }
    const summary = await logger.close();
    expect(summary.sinks.nats).toMatchObject({ written: EVENTS, fallback: 0 });
    expect(fallback.events).toHaveLength(0);

    const messages = await nats.collect(stream, EVENTS);
    const ids = new Set(messages.map((m) => m.headers?.get('Nats-Msg-Id')));
    expect(messages).toHaveLength(EVENTS);
    expect(ids.size).toBe(EVENTS);
    for (const message of messages) {
      const id = message.headers?.get('Nats-Msg-Id') as string;
      const body = message.json<{ id: string; userId: string; payload: { i: number } }>();
      expect(body.id).toBe(id);
      expect(message.subject).toBe(expected.get(id));
      expect(message.headers?.get(NATS_HEADERS.type)).toBe('NATS_PUBLISH');
      expect(message.headers?.get(NATS_HEADERS.userId)).toBe(`user-${body.payload.i % 7}`);
      expect(message.headers?.get(NATS_HEADERS.correlationId)).toBe(`corr-${body.payload.i}`);
      expect(message.headers?.has(NATS_HEADERS.tenantId)).toBe(body.payload.i % 5 === 0);
    }
    expect(sink.metrics()).toMatchObject({
      state: 'closed',
      published: EVENTS,
      confirmed: EVENTS,
      duplicates: 0,
      connects: 1,
    });
  });

  it('fails only the refused events of a batch (a full stream), and a subject outside the stream alone', async () => {
    const stream = nats.name('full');
    await nats.manager.streams.add({
      name: stream,
      subjects: [`${stream}.>`],
      max_msgs: 5,
      discard: DiscardPolicy.New,
    });
    const sink = new NatsSink({
      servers: nats.url,
      stream: { name: stream, subjects: [`${stream}.>`] },
      subject: (e) => `${stream}.${e.type}`,
    });
    try {
      const batch = Array.from({ length: 10 }, (_, i) =>
        record({ type: 'FULL', userId: 'u', payload: { i } }),
      );
      const error = await sink.write(batch, { signal: never }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PartialWriteError);
      const failed = (error as PartialWriteError).failed;
      expect(failed).toHaveLength(5);
      expect((error as PartialWriteError).cause).toMatchObject({ code: 'NATS_NACKED' });
      expect(sink.classifyError((error as PartialWriteError).cause)).toBe('transient');
      expect(sink.metrics()).toMatchObject({ confirmed: 5, nacked: 5 });

      await nats.manager.streams.purge(stream);
      const stray = record({ type: 'X', userId: 'u', routingKey: 'elsewhere.x' });
      const good = record({ type: 'OK', userId: 'u' });
      const partial = await sink.write([stray, good], { signal: never }).catch((e: unknown) => e);
      expect(partial).toBeInstanceOf(PartialWriteError);
      expect((partial as PartialWriteError).failed).toEqual([stray]);
      const cause = (partial as PartialWriteError).cause;
      expect(cause).toBeInstanceOf(NatsError);
      expect(cause).toMatchObject({ code: 'NATS_UNROUTABLE', subject: 'elsewhere.x' });
      expect(sink.classifyError(cause)).toBe('permanent');
      expect((await nats.manager.streams.info(stream)).state.messages).toBe(1);
    } finally {
      await sink.close();
    }
  });

  it('verifies an existing stream without assertStream, and refuses a missing one permanently', async () => {
    const missing = new NatsSink({
      servers: nats.url,
      stream: { name: nats.name('missing') },
      assertStream: false,
    });
    try {
      const error = await missing
        .write([record({ type: 'T', userId: 'u' })], { signal: never })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'NATS_STREAM' });
      expect(missing.classifyError(error)).toBe('permanent');
    } finally {
      await missing.close();
    }
  });

  it("publishes on the host's connection and leaves it open, without its reply subscription", async () => {
    const host = await connect({ servers: nats.url });
    const stream = nats.name('given');
    const sink = new NatsSink({
      connection: host,
      stream: { name: stream, subjects: [`${stream}.>`] },
    });
    const subscriptions = () =>
      (
        host as unknown as { protocol: { subscriptions: { size(): number } } }
      ).protocol.subscriptions.size();
    try {
      await jetstreamManager(host); // the client's own request inbox, which the stream check uses too
      const before = subscriptions();
      const batch = Array.from({ length: 3 }, (_, i) =>
        record({ type: 'T', userId: 'u', routingKey: `${stream}.x`, payload: { i } }),
      );
      await sink.write(batch, { signal: never });
      expect(subscriptions()).toBe(before + 1);
      await sink.close();
      expect(host.isClosed()).toBe(false);
      expect(subscriptions()).toBe(before);
      expect((await nats.manager.streams.info(stream)).state.messages).toBe(3);
      await expect(sink.write(batch, { signal: never })).rejects.toMatchObject({
        code: 'CLOSED',
        part: 'NatsSink',
      });
    } finally {
      await sink.close();
      await host.close();
    }
  });
});
