/** Readers and relays on a test database of the logical server, closed when the test ends. */
import type pg from 'pg';
import { afterEach, expect } from 'vitest';
import { MemorySink } from '../../src/index.js';
import { OutboxWriter, WalRelay, type WalRelayOptions } from '../../src/postgres/index.js';
import { parseLsn } from '../../src/postgres/wal/lsn.js';
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

/** The confirmed position of a slot as the server has it (0 when unknown). */
export async function slotPosition(pool: pg.Pool, slot: string): Promise<bigint> {
  const { rows } = await pool.query<{ lsn: string | null }>(
    'SELECT confirmed_flush_lsn::text AS lsn FROM pg_replication_slots WHERE slot_name = $1',
    [slot],
  );
  return parseLsn(rows[0]?.lsn ?? '0/0');
}

/** An `OutboxWriter` with the WAL transport. */
export const walWriter = () => new OutboxWriter({ transport: 'wal' });

/** One event handed to a sink: by which run of a relay (a process, a connection), in which batch. */
export interface Delivered {
  readonly run: number;
  readonly batch: number;
  readonly id: string;
}

/**
 * Checks deliveries (in the order they happened) by relays that followed each other on a slot:
 * each run delivered a contiguous stretch of the commit order (taken as the order of first
 * delivery), and started right after the run before it or inside it at the start of one of its
 * batches: the events delivered twice are the previous run's unconfirmed tail. Returns how many
 * each run delivered again.
 */
export function checkResumed(deliveries: readonly Delivered[]): number[] {
  const position = new Map<string, number>();
  for (const d of deliveries) if (!position.has(d.id)) position.set(d.id, position.size);
  const runs = new Map<number, Delivered[]>();
  for (const d of deliveries) runs.set(d.run, [...(runs.get(d.run) ?? []), d]);
  const at = (d: Delivered | undefined) => position.get(d?.id ?? '') as number;
  let previous: Delivered[] = [];
  const again: number[] = [];
  for (const run of runs.values()) {
    const stretch = run.map(at);
    expect(stretch.every((p, i) => i === 0 || p === (stretch[i - 1] as number) + 1)).toBe(true);
    const end = previous.length === 0 ? -1 : at(previous[previous.length - 1]);
    const start = stretch[0] as number;
    expect(start).toBeLessThanOrEqual(end + 1);
    if (start <= end) {
      const first = previous.findIndex((d) => at(d) === start);
      expect(first === 0 || previous[first - 1]?.batch !== previous[first]?.batch).toBe(true);
    }
    again.push(Math.max(0, end + 1 - start));
    previous = run;
  }
  return again;
}
