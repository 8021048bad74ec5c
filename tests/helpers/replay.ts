/** What the replay tests share: sinks of their own, events in a known commit order, checkpoints. */
import type { EventRecord } from '../../src/index.js';
import { type ReplayOptions, replay } from '../../src/postgres/index.js';
import type { TestDatabase } from './database.js';
import { insertEvents, type SeedEvent } from './events.js';
import { DAY, TODAY } from './partitions.js';

export const MINUTE = 60_000;

/**
 * A sink that keeps what it is given; `fail(n, batch)` decides the n-th write (0-based, retries
 * included): nothing, or an error to throw. An error with `transient: true` is transient.
 */
export function recorder(
  fail: (write: number, batch: readonly EventRecord[]) => unknown = () => undefined,
) {
  const sink = {
    name: 'recorder',
    ids: [] as string[],
    sizes: [] as number[],
    writes: 0,
    async write(batch: readonly EventRecord[]) {
      const error = fail(sink.writes++, batch);
      if (error !== undefined) throw error;
      sink.ids.push(...batch.map((e) => e.id));
      sink.sizes.push(batch.length);
    },
    classifyError: (error: unknown) =>
      (error as { transient?: boolean }).transient
        ? ('transient' as const)
        : ('permanent' as const),
  };
  return sink;
}

/** The replay helpers of a test file's database. */
export function replayOn(db: TestDatabase) {
  /** Inserts each event in a transaction of its own, in order: commit order is this order. */
  const inOrder = async (events: SeedEvent[]): Promise<EventRecord[]> => {
    const stored: EventRecord[] = [];
    for (const event of events) stored.push(...(await insertEvents(db.pool, [event])));
    return stored;
  };
  return {
    inOrder,
    /** `count` events created three days ago, a minute apart, each committed alone. */
    oldEvents: (count: number) =>
      inOrder(
        Array.from({ length: count }, (_, i) => ({
          type: 'A',
          userId: 'u',
          createdAt: new Date(TODAY - 3 * DAY + i * MINUTE),
        })),
      ),
    run: (options: Omit<ReplayOptions, 'db'>) => replay({ db: db.pool, ...options }),
    /** The event the checkpoint of the replay `name` holds. */
    checkpointOf: async (name: string) =>
      (
        await db.pool.query(
          `SELECT p.position_id::text AS id FROM eventrail.consumers c
           JOIN eventrail.consumer_partitions p ON p.consumer = c.name AND p.partition = 0
           WHERE c.name = $1`,
          [`replay:${name}`],
        )
      ).rows[0]?.id as string | undefined,
  };
}
