/**
 * The WAL relay with NatsSink: committed events reach JetStream in commit order with the event
 * id as `Nats-Msg-Id`, and the relay closes the sink it was given.
 */
import { describe, expect, it } from 'vitest';
import { NatsSink } from '../../src/nats/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { useNats } from '../helpers/nats.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';
import { useRelays, walWriter } from '../helpers/wal.js';

const db = useTestDatabase({ server: 'logical' });
const nats = useNats();
const relays = useRelays(db);

describe('WAL relay → NATS JetStream', () => {
  it('publishes every committed event once, in commit order, with its id as Nats-Msg-Id', async () => {
    const stream = nats.name('wal');
    const sink = new NatsSink({
      servers: nats.url,
      stream: { name: stream, subjects: [`${stream}.>`] },
      subject: (e) => `${stream}.${e.type}`,
    });
    const { relay } = relays.relay({ slot: 'to_nats', sinks: [sink] });
    await relay.start();
    const committed = await commitToOutbox(db.pool, outboxEvents(1000), 50, walWriter());
    await waitFor(() => relay.metrics().relayed >= 1000, 30_000, 'every event relayed');
    await relay.close();
    const messages = await nats.collect(stream, committed.length);
    expect(messages.map((m) => m.headers?.get('Nats-Msg-Id'))).toEqual(committed);
    expect(sink.metrics().state).toBe('closed');
  }, 60_000);
});
