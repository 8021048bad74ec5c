/**
 * Two relays on one slot: the server lets one read it, the other stands by; when the active one
 * lets go, the standby takes over within seconds and carries on from the confirmed position.
 */
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';
import { useRelays, walWriter } from '../helpers/wal.js';

const db = useTestDatabase({ server: 'logical' });
const relays = useRelays(db);

describe('WalRelay standing by', () => {
  it('takes over the slot when the active relay closes, losing and repeating nothing', async () => {
    const first = relays.relay({ slot: 'shared' });
    const second = relays.relay({ slot: 'shared' });
    await first.relay.start();
    await second.relay.start();
    expect([first.relay.state, second.relay.state]).toEqual(['active', 'standby']);
    expect(second.relay.metrics().state).toBe('standby');
    const before = await commitToOutbox(db.pool, outboxEvents(300), 10, walWriter());
    await waitFor(() => first.sink.events.length === 300, 20_000, 'the first relay');
    const summary = await first.relay.close();
    expect(summary).toEqual({ timedOut: false, unconfirmed: 0 });
    const closedAt = performance.now();
    await waitFor(() => second.relay.state === 'active', 10_000, 'the takeover');
    const takeoverMs = performance.now() - closedAt;
    const after = await commitToOutbox(db.pool, outboxEvents(300), 10, walWriter());
    await waitFor(() => second.sink.events.length >= 300, 20_000, 'the second relay');
    expect(first.sink.events.map((e) => e.id)).toEqual(before);
    expect(second.sink.events.map((e) => e.id)).toEqual(after);
    expect(takeoverMs).toBeLessThan(5000);
    console.log(`wal relay standby: took over ${Math.round(takeoverMs)} ms after close`);
  });

  it('takes over when the active relay’s connection is killed on the server', async () => {
    const first = relays.relay({ slot: 'killed_conn' });
    const second = relays.relay({ slot: 'killed_conn' });
    await first.relay.start();
    await second.relay.start();
    const ids = await commitToOutbox(db.pool, outboxEvents(100), 10, walWriter());
    await waitFor(() => first.sink.events.length === 100, 20_000, 'the first relay');
    await db.pool.query(
      `SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = 'killed_conn'`,
    );
    await waitFor(
      async () =>
        (
          await db.pool.query(
            `SELECT 1 FROM pg_replication_slots WHERE slot_name = 'killed_conn' AND active`,
          )
        ).rows.length > 0,
      10_000,
      'a relay to hold the slot again',
    );
    const more = await commitToOutbox(db.pool, outboxEvents(100), 10, walWriter());
    const all = () => [...first.sink.events, ...second.sink.events].map((e) => e.id);
    await waitFor(() => new Set(all()).size === 200, 20_000, 'every event');
    expect(new Set(all())).toEqual(new Set([...ids, ...more]));
    expect(all().length).toBe(200);
  });
});
