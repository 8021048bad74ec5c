/**
 * `consume-group-1` and `consume-group-4`: a consumer group whose handler inserts one row per
 * event into a host table, inside the transaction that advances its checkpoint, with 1 and 4
 * members (each a `Consumer` with its own pool, all in this process), against graphile-worker
 * 0.17 running the same job (one row inserted per job) with 1 and 4 workers: at its defaults
 * (that many runners, concurrency 1 each) and tuned (one runner of that concurrency, a local
 * queue of 500, batched completion). BENCH_GROUP_EVENTS agent events (default 20000, keyed by
 * session: 200 keys) are logged, or added as jobs with `add_jobs` 1000 at a time, before the
 * clock; the clock runs from the start of the members until the host table holds every row
 * (counted every 10 ms on a connection of its own, for both libraries alike; a run that has not
 * written them all after BENCH_CONSUME_TIMEOUT_MS, default 300000, fails the scenario).
 * The eventrail line's `raw` is the best plain `INSERT ... SELECT` of the same rows (one
 * statement, or keyset pages of 1000 in commit order); `vsPeer` divides by graphile-worker's
 * best line (goal ≥ 1.2). Rounds interleaved, best round.
 */
import { Logger, run, runMigrations } from 'graphile-worker';
import type pg from 'pg';
import { Consumer, type ConsumerHandler } from '../../src/postgres/index.js';
import { type Candidate, settleHeap } from '../lib/candidate.js';
import type { BenchDatabase } from '../lib/database.js';
import { agentRecords, chunk } from '../lib/events.js';
import { note, report } from '../lib/report.js';
import { forgetConsumers, logAgentEvents } from './consuming.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const TIMEOUT_MS = Number(process.env.BENCH_CONSUME_TIMEOUT_MS ?? 300_000);
const EFFECTS = 'public.bench_effects';
const INSERT_EFFECT = `INSERT INTO ${EFFECTS} (event_id, type, user_id) VALUES ($1, $2, $3)`;
const silent = new Logger(() => () => {});
/** Connections of each member's own pool: its handler's transactions, LISTEN, heartbeat. */
const MEMBER_CONNECTIONS = 4;
const GROUP_PREFIX = 'bench-group-';

async function truncateEffects(db: BenchDatabase): Promise<void> {
  const pool = db.pool(1);
  try {
    await pool.query(`TRUNCATE ${EFFECTS}`);
  } finally {
    await pool.end();
  }
}

/** Resolves once the host table holds `count` rows (polled every 10 ms); throws at the deadline. */
async function effectsReach(pool: pg.Pool, count: number): Promise<void> {
  const deadline = performance.now() + TIMEOUT_MS;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${EFFECTS}`);
    const n = rows[0]?.n ?? 0;
    if (n === count) return;
    if (n > count) throw new Error(`${n} effects for ${count} events`);
    if (performance.now() > deadline)
      throw new Error(`${n} of ${count} effects after ${TIMEOUT_MS} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One timed run: `start` starts the members, which are stopped once every effect is in. */
async function timed(
  db: BenchDatabase,
  count: number,
  start: () => Promise<() => Promise<void>>,
): Promise<number> {
  const watch = db.pool(1);
  try {
    settleHeap();
    const started = performance.now();
    const stop = await start();
    try {
      await effectsReach(watch, count);
      return count / ((performance.now() - started) / 1000);
    } finally {
      await stop();
    }
  } finally {
    await watch.end();
  }
}

/** The host's handler: one row per event, in the consumer's transaction. */
const insertEffects: ConsumerHandler = async (events, tx) => {
  for (const e of events) await tx.query(INSERT_EFFECT, [e.id, e.type, e.userId]);
};

/**
 * `members` Consumers of one group at their defaults, each on its own pool of
 * MEMBER_CONNECTIONS, all in this process; a new group (name) each run, from the start.
 */
function consumerCandidate(db: BenchDatabase, count: number, members: number): Candidate {
  let runs = 0;
  return {
    label: `eventrail Consumer, ${members} member(s), defaults`,
    best: 0,
    async run() {
      runs += 1;
      const name = `${GROUP_PREFIX}${members}-${runs}`;
      await truncateEffects(db);
      return timed(db, count, async () => {
        const pools = Array.from({ length: members }, () => db.pool(MEMBER_CONNECTIONS));
        const consumers = pools.map(
          (pool) => new Consumer({ db: pool, name, from: 'start', handle: insertEffects }),
        );
        for (const c of consumers) {
          c.on('error', (error) => note(`consume-group: ${name}: ${error.message}`));
        }
        await Promise.all(consumers.map((c) => c.start()));
        return async () => {
          await Promise.all(consumers.map((c) => c.close()));
          await Promise.all(pools.map((p) => p.end()));
        };
      });
    },
  };
}

/** graphile-worker with `members` workers, jobs added before the clock. */
function graphileCandidate(
  db: BenchDatabase,
  count: number,
  members: number,
  tuned: boolean,
): Candidate {
  const options = tuned
    ? {
        concurrency: members,
        maxPoolSize: members + 1,
        preset: {
          worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 },
        },
      }
    : {};
  const runners = tuned ? 1 : members;
  return {
    label: `graphile-worker ${tuned ? `tuned, 1 runner of concurrency ${members}` : `defaults, ${members} runner(s)`}`,
    best: 0,
    async run() {
      await truncateEffects(db);
      const pool = db.pool(1);
      try {
        await pool.query(
          'TRUNCATE graphile_worker._private_jobs, graphile_worker._private_job_queues CASCADE',
        );
        for (const part of chunk(agentRecords(count), 1000)) {
          const specs = part.map((e) => ({
            identifier: 'effect',
            payload: { id: e.id, type: e.type, userId: e.userId },
          }));
          await pool.query(
            `SELECT graphile_worker.add_jobs(ARRAY(
               SELECT json_populate_recordset(NULL::graphile_worker.job_spec, $1::json)))`,
            [JSON.stringify(specs)],
          );
        }
      } finally {
        await pool.end();
      }
      return timed(db, count, async () => {
        const all = await Promise.all(
          Array.from({ length: runners }, () =>
            run({
              connectionString: db.url,
              logger: silent,
              noHandleSignals: true,
              taskList: {
                effect: async (payload, helpers) => {
                  const e = payload as { id: string; type: string; userId: string };
                  await helpers.query(INSERT_EFFECT, [e.id, e.type, e.userId]);
                },
              },
              ...options,
            }),
          ),
        );
        return async () => {
          await Promise.all(all.map((r) => r.stop()));
        };
      });
    },
  };
}

/** The raw limit: the same rows into the host table by hand, `pageSize` rows a statement. */
function rawCandidate(db: BenchDatabase, count: number, pageSize?: number): Candidate {
  const select = `SELECT id, event_type, user_id, tx_id FROM eventrail.event_logs`;
  return {
    label: pageSize ? `keyset pages of ${pageSize}, INSERT ... SELECT` : 'one INSERT ... SELECT',
    best: 0,
    async run() {
      const pool = db.pool(1);
      try {
        await pool.query(`TRUNCATE ${EFFECTS}`);
        settleHeap();
        const started = performance.now();
        if (pageSize === undefined) {
          await pool.query(
            `INSERT INTO ${EFFECTS} SELECT id, event_type, user_id FROM (${select}) e`,
          );
        } else {
          let after = { tx: '0', id: '00000000-0000-0000-0000-000000000000' };
          for (;;) {
            const { rows } = await pool.query<{ tx: string; id: string }>(
              `WITH page AS (${select} WHERE (tx_id, id) > ($1::xid8, $2::uuid)
                 ORDER BY tx_id, id LIMIT ${pageSize}),
               written AS (INSERT INTO ${EFFECTS} SELECT id, event_type, user_id FROM page)
               SELECT tx_id::text AS tx, id::text AS id FROM page ORDER BY tx_id DESC, id DESC LIMIT 1`,
              [after.tx, after.id],
            );
            const last = rows[0];
            if (last === undefined) break;
            after = last;
          }
        }
        const seconds = (performance.now() - started) / 1000;
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ${EFFECTS}`,
        );
        if (rows[0]?.n !== count) throw new Error(`raw wrote ${rows[0]?.n} of ${count}`);
        return count / seconds;
      } finally {
        await pool.end();
      }
    },
  };
}

const best = (candidates: readonly Candidate[]) =>
  candidates.reduce((a, b) => (b.best > a.best ? b : a));

export async function groupBench(db: BenchDatabase, count: number): Promise<void> {
  const admin = db.pool(1);
  try {
    await admin.query(
      `CREATE TABLE ${EFFECTS} (event_id uuid PRIMARY KEY, type text NOT NULL, user_id text NOT NULL)`,
    );
    await runMigrations({ connectionString: db.url, logger: silent });
    await db.reset();
    await logAgentEvents(admin, count);
    await admin.query('VACUUM ANALYZE eventrail.event_logs');
    const raws = [rawCandidate(db, count), rawCandidate(db, count, 1000)];
    for (const members of [1, 4]) {
      const ours = consumerCandidate(db, count, members);
      const peers = [true, false].map((tuned) => graphileCandidate(db, count, members, tuned));
      for (let round = 1; round <= REPEATS; round++) {
        for (const c of [...(members === 1 ? raws : []), ours, ...peers]) {
          const value = await c.run();
          c.best = Math.max(c.best, value);
          note(`round ${round}: ${c.label}: ${value.toFixed(0)} events/s`);
        }
      }
      const raw = best(raws);
      const peer = best(peers);
      const common = { unit: 'events/s', members, events: count, rounds: REPEATS };
      report({
        scenario: `consume-group-${members}`,
        defaults: true,
        value: ours.best,
        raw: raw.best,
        rawMethod: raw.label,
        vsPeer: ours.best / peer.best,
        peerSetting: peer.label,
        goal: 1.2,
        membersRun: `${members} Consumer instance(s) in one process, a pool of ${MEMBER_CONNECTIONS} each`,
        handler: 'one INSERT per event, in the transaction of the checkpoint',
        ...common,
      });
      for (const [i, c] of peers.entries()) {
        report({
          scenario: `consume-group-${members}`,
          peer: 'graphile-worker',
          ...(i === 1 ? { defaults: true } : {}),
          setting: c.label,
          value: c.best,
          job: 'one INSERT per job (helpers.query), jobs without a queue (no order kept)',
          ...common,
        });
      }
    }
  } finally {
    await forgetConsumers(admin, GROUP_PREFIX);
    await admin.query(`DROP TABLE IF EXISTS ${EFFECTS}`);
    await admin.query('DROP SCHEMA IF EXISTS graphile_worker CASCADE');
    await admin.end();
  }
}
