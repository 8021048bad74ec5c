/**
 * 20k events logged while maintain() runs over and over, making partitions and moving rows out
 * of the default partition under the writers' feet: nothing lost, nothing twice.
 */
import { describe, expect, it } from 'vitest';
import { EventLogger, type EventRecord, type Sink } from '../../src/index.js';
import { maintain, PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { DAY, TODAY } from '../helpers/partitions.js';

const db = useTestDatabase();
const EVENTS = 20_000;
const SPREAD_DAYS = 40;

/**
 * The PostgresSink, with each event's created_at moved 0–39 days ahead (by its payload's `i`, so
 * the same on every retry): most rows land in the default partition until maintain() makes
 * their day's partition and moves them there.
 */
class SpreadSink implements Sink {
  readonly name = 'postgres';
  readonly #inner = new PostgresSink({ db: db.pool });
  write(batch: readonly EventRecord[]): Promise<void> {
    return this.#inner.write(
      batch.map((e) => {
        const i = (e.payload as { i: number }).i;
        return { ...e, createdAt: new Date(e.createdAt.getTime() + (i % SPREAD_DAYS) * DAY) };
      }),
    );
  }
}

describe('logging while maintain runs', () => {
  it('loses and duplicates nothing', async () => {
    const logger = new EventLogger({ sinks: [new SpreadSink()], fallback: null });
    const errors: unknown[] = [];
    logger.on('error', (e) => errors.push((e as Error).cause ?? e));
    let logging = true;
    const runs: Awaited<ReturnType<typeof maintain>>[] = [];
    const maintaining = (async () => {
      // The clock walks a day per run up to the last day written, so each run makes a partition
      // and empties its range of the default partition while the logger keeps inserting into
      // both; then it stays there (no partition gets anywhere near the 90 days kept).
      for (let day = 0; logging || day < SPREAD_DAYS; day++) {
        const now = new Date(TODAY + Math.min(day, SPREAD_DAYS) * DAY);
        runs.push(await maintain({ db: db.pool, now, premake: 3 }));
      }
    })();
    for (let i = 0; i < EVENTS; i += 100) {
      await logger.logEvents(
        Array.from({ length: 100 }, (_, k) => ({
          type: 'SPREAD',
          userId: 'u',
          payload: { i: i + k },
        })),
      );
    }
    const summary = await logger.close();
    logging = false;
    await maintaining;

    expect(errors.map(String).slice(0, 3)).toEqual([]);
    expect(summary.sinks.postgres).toMatchObject({ written: EVENTS, dropped: 0, fallback: 0 });
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids,
              count(DISTINCT (payload->>'i'))::int AS payloads
         FROM eventrail.event_logs WHERE event_type = 'SPREAD'`,
    );
    expect(rows[0]).toEqual({ rows: EVENTS, ids: EVENTS, payloads: EVENTS });
    expect(runs.every((r) => r.ran && r.dropped.length === 0)).toBe(true);
    expect(runs.reduce((n, r) => n + r.rowsMoved, 0)).toBeGreaterThan(0);
    // Every day now has its partition; the default partition is empty.
    const left = await db.pool.query('SELECT count(*)::int AS n FROM eventrail.event_logs_default');
    expect(left.rows[0].n).toBe(0);
  });
});
