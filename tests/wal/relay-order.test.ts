/**
 * Four writers commit concurrently; the relay delivers every event once, in commit order: the
 * order in which a plain reader of a second slot sees the commits (whose commit LSNs rise).
 */
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';
import { take, useReaders, useRelays, walWriter } from '../helpers/wal.js';

const db = useTestDatabase({ server: 'logical' });
const relays = useRelays(db);
const readers = useReaders(() => db.url);

describe('WalRelay with 4 concurrent writers', () => {
  it('delivers each event once, in commit order, several transactions per batch', async () => {
    const { relay, sink } = relays.relay({ slot: 'ordered', maxBatchSize: 500 });
    await relay.start();
    await db.pool.query(`SELECT pg_create_logical_replication_slot('oracle', 'pgoutput')`);
    const oracle = await readers.start('oracle', ['ordered']);
    const perWriter = 1000;
    const byWriter = await Promise.all(
      [0, 1, 2, 3].map((w) =>
        commitToOutbox(db.pool, outboxEvents(perWriter, { userId: `writer-${w}` }), 4, walWriter()),
      ),
    );
    const txs = await take(oracle.transactions()[Symbol.asyncIterator](), perWriter);
    const committed = txs.flatMap((tx) =>
      tx.messages.map((m) => JSON.parse(m.content.toString()).a),
    );
    await waitFor(() => sink.events.length >= 4 * perWriter, 30_000, 'every event');
    expect(sink.events.map((e) => e.id)).toEqual(committed);
    for (const [w, ids] of byWriter.entries()) {
      expect(sink.events.filter((e) => e.userId === `writer-${w}`).map((e) => e.id)).toEqual(ids);
    }
    const m = relay.metrics();
    expect(m.transactions).toBe(perWriter);
    expect(m.batches).toBeLessThan(perWriter);
    expect(m.relayLatencyMs.count).toBe(perWriter);
  });
});
