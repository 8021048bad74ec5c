/**
 * Inbox: handled events/s when each event is handled in its own transaction (BEGIN, the inbox,
 * an effect, COMMIT) through `Inbox.handle`, against the same work with a raw
 * `INSERT ... ON CONFLICT DO NOTHING RETURNING` on the same table, on 1 and 4 connections; the
 * fastest of each is compared. The effect is a counter update (64 counters). `fused`: the record
 * and the effect in one statement (a CTE), one round trip less per event; beside the ratio, not
 * in it, because `handle` runs any work (a callback) once the record's outcome is known, which
 * takes that round trip.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { Inbox } from '../../src/postgres/index.js';
import { type Candidate, settleHeap } from '../lib/candidate.js';
import type { BenchDatabase } from '../lib/database.js';
import { note, report } from '../lib/report.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const COUNTERS = 64;
const EFFECT = 'UPDATE bench_counter SET n = n + 1 WHERE k = $1';
const RAW_RECORD = `INSERT INTO eventrail.event_inbox (consumer, event_id) VALUES ($1, $2)
  ON CONFLICT DO NOTHING RETURNING 1`;

/** The record and the effect in one statement: possible only when the effect is one SQL statement. */
const FUSED = `WITH recorded AS (
    INSERT INTO eventrail.event_inbox (consumer, event_id) VALUES ($1, $2)
    ON CONFLICT DO NOTHING RETURNING 1)
  UPDATE bench_counter SET n = n + 1 WHERE k = $3 AND EXISTS (SELECT 1 FROM recorded)`;

type Handle = (client: pg.PoolClient, id: string, k: number) => Promise<unknown>;

const raw: Handle = async (client, id, k) => {
  const { rowCount } = await client.query(RAW_RECORD, ['bench', id]);
  if (rowCount === 1) await client.query(EFFECT, [k]);
};

const fused: Handle = (client, id, k) => client.query(FUSED, ['bench', id, k]);

function viaInbox(): Handle {
  const inbox = new Inbox({ consumer: 'bench' });
  return (client, id, k) => inbox.handle(client, id, () => client.query(EFFECT, [k]));
}

function candidate(
  db: BenchDatabase,
  count: number,
  label: string,
  handle: Handle,
  connections: number,
): Candidate {
  return {
    label: `${label}, ${connections} connection(s)`,
    best: 0,
    async run() {
      const ids = Array.from({ length: count }, () => randomUUID());
      const pool = db.pool(connections);
      const clients = await Promise.all(Array.from({ length: connections }, () => pool.connect()));
      settleHeap();
      try {
        let next = 0;
        const started = performance.now();
        await Promise.all(
          clients.map(async (client) => {
            for (let i = next++; i < count; i = next++) {
              await client.query('BEGIN');
              await handle(client, ids[i] as string, i % COUNTERS);
              await client.query('COMMIT');
            }
          }),
        );
        return count / ((performance.now() - started) / 1000);
      } finally {
        for (const client of clients) client.release();
        await pool.end();
      }
    },
  };
}

export async function inboxBench(db: BenchDatabase, count: number): Promise<void> {
  const admin = db.pool(1);
  await admin.query('CREATE TABLE bench_counter (k int PRIMARY KEY, n bigint NOT NULL)');
  await admin.query(
    `INSERT INTO bench_counter SELECT k, 0 FROM generate_series(0, ${COUNTERS - 1}) k`,
  );
  const raws = [1, 4].map((c) =>
    candidate(db, count, 'raw INSERT ... ON CONFLICT DO NOTHING + effect', raw, c),
  );
  const inboxes = [1, 4].map((c) => candidate(db, count, 'Inbox.handle + effect', viaInbox(), c));
  const fusedRaws = [1, 4].map((c) =>
    candidate(db, count, 'raw record and effect in one statement', fused, c),
  );
  for (let round = 1; round <= REPEATS; round++) {
    for (const c of [...raws, ...inboxes, ...fusedRaws]) {
      await admin.query('TRUNCATE eventrail.event_inbox');
      await admin.query('UPDATE bench_counter SET n = 0');
      await admin.query('CHECKPOINT');
      const value = await c.run();
      const { rows } = await admin.query('SELECT sum(n)::int AS n FROM bench_counter');
      if (rows[0].n !== count) throw new Error(`${c.label}: effect ${rows[0].n} of ${count}`);
      c.best = Math.max(c.best, value);
      note(`round ${round}: ${c.label}: ${value.toFixed(0)} events/s`);
    }
  }
  const best = (list: Candidate[]) => list.reduce((a, b) => (b.best > a.best ? b : a));
  const fastestRaw = best(raws);
  const fastest = best(inboxes);
  report({
    scenario: 'inbox',
    unit: 'events/s',
    value: fastest.best,
    raw: fastestRaw.best,
    config: fastest.label,
    rawMethod: fastestRaw.label,
    candidates: Object.fromEntries(
      [...raws, ...inboxes, ...fusedRaws].map((c) => [c.label, Math.round(c.best)]),
    ),
    fused: best(fusedRaws).best,
    defaults: true,
    goal: 0.8,
    events: count,
    rounds: REPEATS,
  });
}
