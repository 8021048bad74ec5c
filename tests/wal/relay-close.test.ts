/**
 * `WalRelay.close()` keeps the lifecycle contract: it returns by its deadline even when a sink
 * never answers, says how many events it read and did not confirm, and those events stay in the
 * slot for the next relay. Closing twice gives the same promise; a closed relay does not start.
 */
import { describe, expect, it } from 'vitest';
import { ClosedError } from '../../src/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents, waitFor } from '../helpers/outbox.js';
import { useRelays, walWriter } from '../helpers/wal.js';

const db = useTestDatabase({ server: 'logical' });
const relays = useRelays(db);

describe('WalRelay.close()', () => {
  it('returns by its deadline past a sink that hangs; the unconfirmed events come again', async () => {
    let calls = 0;
    const { relay } = relays.relay({
      slot: 'closing',
      publish: () => {
        calls += 1;
        return new Promise<void>(() => {});
      },
    });
    await relay.start();
    const ids = await commitToOutbox(db.pool, outboxEvents(40), 10, walWriter());
    await waitFor(() => calls >= 1, 20_000, 'the hanging write');
    const started = performance.now();
    const closing = relay.close({ timeoutMs: 1000 });
    expect(relay.close()).toBe(closing);
    const summary = await closing;
    const tookMs = performance.now() - started;
    expect(summary.timedOut).toBe(true);
    expect(summary.unconfirmed).toBe(40);
    expect(tookMs).toBeLessThan(3000);
    expect(relay.state).toBe('closed');
    await expect(relay.start()).rejects.toBeInstanceOf(ClosedError);

    const next = relays.relay({ slot: 'closing' });
    await next.relay.start();
    await waitFor(() => next.relay.state === 'active', 10_000, 'the next relay');
    await waitFor(() => next.sink.events.length >= 40, 20_000, 'the events again');
    expect(next.sink.events.map((e) => e.id)).toEqual(ids);
  });

  it('closes a relay that never started, and one standing by, at once', async () => {
    const idle = relays.relay({ slot: 'never' });
    expect(await idle.relay.close()).toEqual({ timedOut: false, unconfirmed: 0 });
    const active = relays.relay({ slot: 'held' });
    const standby = relays.relay({ slot: 'held' });
    await active.relay.start();
    await standby.relay.start();
    expect(standby.relay.state).toBe('standby');
    expect(await standby.relay.close()).toEqual({ timedOut: false, unconfirmed: 0 });
    expect(active.relay.state).toBe('active');
  });
});
