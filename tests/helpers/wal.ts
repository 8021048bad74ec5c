/** Readers and relays on a test database of the logical server, closed when the test ends. */
import type pg from 'pg';
import { afterEach } from 'vitest';
import { MemorySink } from '../../src/index.js';
import { OutboxWriter, WalRelay, type WalRelayOptions } from '../../src/postgres/index.js';
import { ReplicationReader, type WalTransaction } from '../../src/postgres/wal/replication.js';

/** Readers opened by `openReader`, closed after each test. */
export function useReaders(url: () => string) {
  const open: ReplicationReader[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.close()));
  });
  return {
    /** A reader of `slot`, started. */
    async start(slot: string, publications: readonly string[] = ['eventrail_test']) {
      const reader = new ReplicationReader({ connection: url(), slot, publications });
      open.push(reader);
      await reader.start();
      return reader;
    },
  };
}

/** The next `count` transactions of a reader (its iterator stays usable). */
export async function take(
  iterator: AsyncIterator<WalTransaction>,
  count: number,
): Promise<WalTransaction[]> {
  const taken: WalTransaction[] = [];
  while (taken.length < count) {
    const next = await iterator.next();
    if (next.done) throw new Error(`the reader ended after ${taken.length} of ${count}`);
    taken.push(next.value);
  }
  return taken;
}

/** Relays on a test database, with a `MemorySink` each unless given sinks; closed after each test. */
export function useRelays(db: { readonly pool: pg.Pool; readonly url: string }) {
  const open: WalRelay[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((r) => r.close({ timeoutMs: 5000 })));
  });
  return {
    /** A relay (not started) and its memory sink. */
    relay(options: Partial<WalRelayOptions> = {}) {
      const sink = new MemorySink();
      const relay = new WalRelay({
        db: db.pool,
        sinks: options.publish ? undefined : [sink],
        standbyRetryMs: 200,
        ...options,
      });
      relay.on('error', () => {});
      open.push(relay);
      return { relay, sink };
    },
  };
}

/** An `OutboxWriter` with the WAL transport. */
export const walWriter = () => new OutboxWriter({ transport: 'wal' });
