import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../src/index.js';
import { AckInbox } from '../../src/nats/acks.js';
import { toNatsMessage } from '../../src/nats/index.js';
import { publishAll, zeroPublishCounters } from '../../src/nats/publish.js';
import { useNats } from '../helpers/nats.js';

const nats = useNats();
const record = (type: string) => normalizeEvent({ type, userId: 'u' }, { maxPayloadBytes: 1024 });

describe('NATS publish acks, one batch', () => {
  it('fails only the messages whose ack is missing (timeout) or that nobody answers (no responders)', async () => {
    const stream = nats.name('acks');
    await nats.manager.streams.add({ name: stream, subjects: [`${stream}.stored`] });
    // A plain subscriber that never replies: the publish has a responder but no ack ever comes.
    const silent = nats.connection.subscribe(`${stream}.silent`, { callback: () => {} });
    const acks = new AckInbox(nats.connection);
    const counters = zeroPublishCounters();
    const awaiting = { messages: 0 };
    const mapping = {
      subject: (e: { type: string }) => `${stream}.${e.type}`,
      streamSubjects: ['>'],
    };
    const batch = ['stored', 'silent', 'stored', 'nobody', 'stored'].map((t) =>
      toNatsMessage(record(t), mapping),
    );
    try {
      const started = Date.now();
      const target = { connection: nats.connection, acks, timeoutMs: 300 };
      const publishing = publishAll(target, batch, new Promise(() => {}), counters, awaiting);
      expect(awaiting.messages).toBe(5);
      const failures = await publishing;
      expect(awaiting.messages).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(failures.map((f) => [f.event.type, (f.error as { code: string }).code])).toEqual(
        expect.arrayContaining([
          ['silent', 'NATS_ACK_TIMEOUT'],
          ['nobody', 'NATS_NO_RESPONDERS'],
        ]),
      );
      expect(failures).toHaveLength(2);
      expect(counters).toEqual({
        published: 5,
        confirmed: 3,
        duplicates: 0,
        nacked: 0,
        timedOut: 1,
        lost: 1,
      });
      // The same ids again: stored once, acknowledged as duplicates.
      const again = await publishAll(
        target,
        [batch[0], batch[2]] as never,
        new Promise(() => {}),
        counters,
        awaiting,
      );
      expect(again).toEqual([]);
      expect(counters).toMatchObject({ confirmed: 5, duplicates: 2 });
      expect((await nats.manager.streams.info(stream)).state.messages).toBe(3);
    } finally {
      acks.close();
      silent.unsubscribe();
    }
  });

  it('fails every waiting message with the interruption, at once', async () => {
    const stream = nats.name('cut');
    const silent = nats.connection.subscribe(`${stream}.silent`, { callback: () => {} });
    const acks = new AckInbox(nats.connection);
    const counters = zeroPublishCounters();
    const awaiting = { messages: 0 };
    const mapping = { subject: () => `${stream}.silent`, streamSubjects: ['>'] };
    const batch = ['a', 'b'].map((t) => toNatsMessage(record(t), mapping));
    const reason = new Error('aborted');
    try {
      const target = { connection: nats.connection, acks, timeoutMs: 60_000 };
      const failures = await publishAll(target, batch, Promise.resolve(reason), counters, awaiting);
      expect(failures.map((f) => f.error)).toEqual([reason, reason]);
      expect(awaiting.messages).toBe(0);
      expect(counters).toMatchObject({ published: 2, lost: 2, timedOut: 0 });
    } finally {
      acks.close();
      silent.unsubscribe();
    }
  });
});
