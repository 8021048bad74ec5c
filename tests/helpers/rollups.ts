/** Comparing what the rollups answer with what the raw rows say, for the rollup tests. */
import { expect } from 'vitest';
import {
  type EventFilters,
  EventQueries,
  type PgDatabase,
  type QueryScope,
  type TimeBucket,
} from '../../src/postgres/index.js';

/** The built-in rollup's state row. */
export async function rollupState(db: {
  query(text: string): Promise<{ rows: unknown[] }>;
}): Promise<{ complete: boolean; tx: string } | undefined> {
  const { rows } = await db.query(
    `SELECT complete, position_tx_id::text AS tx FROM eventrail.rollups WHERE name = 'events'`,
  );
  return rows[0] as { complete: boolean; tx: string } | undefined;
}

/** An aggregate read both ways. */
export interface AggregateCase {
  readonly scope: QueryScope;
  readonly filters: EventFilters;
  readonly series?: { readonly bucket: TimeBucket; readonly timeZone: string };
}

/**
 * Every aggregate of `c` from the rollups equals the raw `GROUP BY` (`rollups: false`), and
 * the rollups were really used (the rollup statement ran) when `used` says so.
 */
export async function expectExact(db: PgDatabase, c: AggregateCase): Promise<void> {
  const rolled = new EventQueries({ db });
  const raw = new EventQueries({ db, rollups: false });
  const read = (q: EventQueries) =>
    Promise.all([
      q.countsByType(c.scope, c.filters),
      q.errorStats(c.scope, c.filters),
      q.agentInteractions(c.scope, c.filters),
      c.series ? q.timeSeries(c.scope, c.filters, c.series) : Promise.resolve(null),
    ]);
  // Read the rollups first: rows written meanwhile can only make the raw read larger, so the
  // reads are compared on a database nobody writes to while they run.
  const fromRollups = await read(rolled);
  const fromRaw = await read(raw);
  expect(fromRollups, JSON.stringify(c)).toEqual(fromRaw);
}
