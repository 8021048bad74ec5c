/**
 * `consume-catchup`: an EventStream subscription `from: 'start'` at the stream's defaults (reads
 * of 500) catching up over BENCH_CATCHUP_EVENTS stored rows of its user (default BENCH_EVENTS when
 * set, else 1,000,000; generated 1000 per transaction, before the clock) to a subscriber that
 * does nothing, events/s from `subscribe` until it has taken the last one; against a raw keyset
 * loop over the same `(tx_id, id)` index in commit order, the same columns and scope, pages of
 * 500 (the same size) and of 1000, on one connection: the best of those is `raw` (goal ≥ 0.8).
 * Rounds interleaved, best round.
 */
import type pg from 'pg';
import { EventStream } from '../../src/postgres/index.js';
import { EVENT_COLUMNS } from '../../src/postgres/sql/queries.js';
import { generateEvents } from '../../tests/helpers/events.js';
import { type Candidate, settleHeap } from '../lib/candidate.js';
import type { BenchDatabase } from '../lib/database.js';
import { note, report } from '../lib/report.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const READ_SIZE = 500;
const USER = 'user-0';
/**
 * Rows per generated transaction, as the logger writes them. Far larger ones (100,000: two
 * transactions for 200,000 rows) mislead the planner: it sorts every row after the position at
 * each page instead of walking the `(tx_id, id)` index, for the raw loop and the stream alike.
 */
const PER_TRANSACTION = 1000;

async function rate(count: number, work: () => Promise<number>): Promise<number> {
  settleHeap();
  const started = performance.now();
  const read = await work();
  const seconds = (performance.now() - started) / 1000;
  if (read !== count) throw new Error(`read ${read} of ${count} events`);
  return count / seconds;
}

function subscriptionCandidate(pool: pg.Pool, count: number): Candidate {
  return {
    label: 'EventStream subscription from start, defaults',
    best: 0,
    async run() {
      const stream = new EventStream({ db: pool });
      stream.on('error', (error) => note(`consume-catchup: stream error: ${error.message}`));
      try {
        return await rate(count, async () => {
          let read = 0;
          for await (const _ of stream.subscribe({ userId: USER }, {}, { from: 'start' })) {
            if (++read === count) break;
          }
          return read;
        });
      } finally {
        await stream.close();
      }
    },
  };
}

function rawCandidate(pool: pg.Pool, count: number, pageSize: number): Candidate {
  const page = `SELECT ${EVENT_COLUMNS}, tx_id::text AS "tx" FROM eventrail.event_logs
    WHERE user_id = $1 AND (tx_id, id) > ($2::xid8, $3::uuid) ORDER BY tx_id, id LIMIT ${pageSize}`;
  return {
    label: `raw keyset loop, pages of ${pageSize}`,
    best: 0,
    run: () =>
      rate(count, async () => {
        let read = 0;
        let after = { tx: '0', id: '00000000-0000-0000-0000-000000000000' };
        for (;;) {
          const { rows } = await pool.query<{ tx: string; id: string }>(page, [
            USER,
            after.tx,
            after.id,
          ]);
          const last = rows.at(-1);
          if (last === undefined) return read;
          read += rows.length;
          after = last;
        }
      }),
  };
}

export async function catchUpBench(db: BenchDatabase, count: number): Promise<void> {
  const pool = db.pool(2);
  try {
    await db.reset();
    note(`consume-catchup: generating ${count} rows`);
    for (let first = 1; first <= count; first += PER_TRANSACTION) {
      const n = Math.min(PER_TRANSACTION, count - first + 1);
      await generateEvents(pool, { count: n, users: 1, end: new Date(), stepMs: 1, first });
    }
    await pool.query('VACUUM ANALYZE eventrail.event_logs');
    const ours = subscriptionCandidate(pool, count);
    const raws = [READ_SIZE, 1000].map((size) => rawCandidate(pool, count, size));
    for (let round = 1; round <= REPEATS; round++) {
      for (const c of [ours, ...raws]) {
        const value = await c.run();
        c.best = Math.max(c.best, value);
        note(`round ${round}: ${c.label}: ${value.toFixed(0)} events/s`);
      }
    }
    const raw = raws.reduce((a, b) => (b.best > a.best ? b : a));
    report({
      scenario: 'consume-catchup',
      defaults: true,
      unit: 'events/s',
      value: ours.best,
      raw: raw.best,
      rawMethod: raw.label,
      goal: 0.8,
      events: count,
      rounds: REPEATS,
    });
  } finally {
    await pool.query('TRUNCATE eventrail.event_logs');
    await pool.end();
  }
}
