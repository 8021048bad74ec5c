/**
 * Following a subscription in a test: collects what it yields in the background, so that a
 * test can write events and then wait until the subscriber has them all.
 */
import type { StreamEvent, Subscription } from '../../src/postgres/index.js';
import { READ_TAG } from '../../src/postgres/sql/stream.js';
import { waitFor } from './outbox.js';

export interface Collector {
  readonly events: StreamEvent[];
  /** Ids received, in order. */
  ids(): string[];
  /** Resolves when the iteration ends: with its error, or undefined. */
  readonly finished: Promise<unknown>;
  /** Waits until `count` events have arrived. */
  until(count: number, timeoutMs?: number): Promise<void>;
  /**
   * Waits until the subscription has started (it has a cursor): without `after`, it takes only
   * what commits from then on.
   */
  started(): Promise<void>;
}

/** Iterates `sub` in the background, keeping every event. */
export function collect(sub: Subscription): Collector {
  const events: StreamEvent[] = [];
  const finished = (async () => {
    try {
      for await (const event of sub) events.push(event);
      return undefined;
    } catch (error) {
      return error;
    }
  })();
  return {
    events,
    ids: () => events.map((e) => e.event.id),
    finished,
    until: (count, timeoutMs = 20_000) =>
      waitFor(
        () => events.length >= count,
        timeoutMs,
        `${count} streamed events (have ${events.length})`,
      ),
    started: () => waitFor(() => sub.cursor !== undefined, 20_000, 'the subscription to start'),
  };
}

/** Ids of `userId`'s rows in stream order, as the database has them. */
export async function storedIds(
  pool: { query(text: string, values?: unknown[]): Promise<{ rows: { id: string }[] }> },
  userId: string,
): Promise<string[]> {
  const { rows } = await pool.query(
    'SELECT id FROM eventrail.event_logs WHERE user_id = $1 ORDER BY tx_id, id',
    [userId],
  );
  return rows.map((r) => r.id);
}

/**
 * Backends of `database` that hold a LISTEN connection (a stream's or a publisher's): the last
 * statement each ran is LISTEN, or the stream's shared read (tagged), which runs there and
 * nowhere else.
 */
export async function listeningBackends(
  db: { query(text: string, values?: unknown[]): Promise<{ rows: { pid: number }[] }> },
  database: string,
): Promise<number[]> {
  const { rows } = await db.query(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1
       AND (query ILIKE 'LISTEN %' OR starts_with(query, $2))`,
    [database, READ_TAG],
  );
  return rows.map((r) => r.pid);
}
