/** Readers on a test database of the logical server, closed when the test ends. */
import { afterEach } from 'vitest';
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
