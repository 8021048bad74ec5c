import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../src/index.js';
import { NatsSink } from '../../src/nats/index.js';
import { useNats } from '../helpers/nats.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const nats = useNats();
const never = new AbortController().signal;
const record = (i: number) =>
  normalizeEvent({ type: 'KEPT', userId: 'u', payload: { i } }, { maxPayloadBytes: 1024 });

describe('NatsSink memory while acks are awaited', () => {
  it("keeps none of a batch's messages (bodies, headers) once they are sent, only its events", async () => {
    const stream = nats.name('memory');
    const connection = await connect({ servers: nats.url });
    const sink = new NatsSink({
      connection,
      stream: { name: stream, subjects: [`${stream}.>`], storage: 'memory' },
      subject: () => `${stream}.kept`,
    });
    try {
      await sink.write([record(0)], { signal: never });
      // JetStream's acks held back: each message is stored without its reply subject, and the
      // test answers those subjects itself once it has looked at what the sink still holds.
      const send = connection.publish.bind(connection);
      const replies: string[] = [];
      const sent: WeakRef<object>[] = [];
      connection.publish = (subject, data, options) => {
        sent.push(new WeakRef(options?.headers as object), new WeakRef(data as Uint8Array));
        replies.push(options?.reply as string);
        send(subject, data, { headers: options?.headers });
      };
      const write = sink.write(
        Array.from({ length: 100 }, (_, i) => record(i + 1)),
        { signal: never },
      );
      await sleep(50);
      gc();
      expect(replies).toHaveLength(100);
      expect(sent.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);

      for (const [i, reply] of replies.entries())
        send(reply, JSON.stringify({ stream, seq: i + 2 }));
      await write;
      expect(sink.metrics()).toMatchObject({ published: 101, confirmed: 101, timedOut: 0 });
      expect((await nats.manager.streams.info(stream)).state.messages).toBe(101);
    } finally {
      await sink.close();
      await connection.close();
    }
  });
});
