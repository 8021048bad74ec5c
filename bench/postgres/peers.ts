/**
 * The outbox's peers, each as its own docs have it: a job added inside the business transaction,
 * a worker that delivers it to a handler that only counts. graphile-worker 0.17 (`add_jobs` in
 * the transaction; `run()` with its defaults, or tuned as its Performance page advises: 24
 * concurrent jobs, pool of 25, local queue of 500, batched completion) and pg-boss 10
 * (`insert()` with the transaction as `db`; `work()` with its defaults, batch of 1 every 2 s, or
 * tuned: batches of 5000, polling every 0.5 s, its minimum), and eventrail's own publisher at
 * its defaults and tuned (claims of 5000 from the first), on the same database; and its WAL
 * transport (`walRelay`, on a server with wal_level = logical only: the `wal` scenario).
 */
import { randomUUID } from 'node:crypto';
import { Logger, run, runMigrations } from 'graphile-worker';
import type pg from 'pg';
import PgBoss from 'pg-boss';
import type { EventInput, EventRecord, Sink } from '../../src/index.js';
import {
  createSlot,
  dropSlot,
  OutboxPublisher,
  OutboxWriter,
  WalRelay,
} from '../../src/postgres/index.js';
import type { BenchDatabase } from '../lib/database.js';
import { note } from '../lib/report.js';

export type Setting = 'defaults' | 'tuned';

/** A worker set that delivers to `deliver`; `stop` ends it. */
export interface Workers {
  stop(): Promise<void>;
}

/** One library: how a transaction adds events, and how its workers start. */
export interface Peer {
  readonly name: string;
  /** Empties the library's tables (untimed). */
  reset(db: BenchDatabase): Promise<void>;
  /** Adds `events` inside the open transaction on `client`; resolves with their keys. */
  add(client: pg.PoolClient, events: readonly EventInput[]): Promise<readonly string[]>;
  /** Starts `workers` workers calling `deliver(keys)` with the keys of the events handled. */
  start(
    db: BenchDatabase,
    setting: Setting,
    workers: number,
    deliver: (ids: readonly string[]) => void,
  ): Promise<Workers>;
}

const silent = new Logger(() => () => {});
const QUEUE = 'bench';

/** A sink that only hands the ids of what it takes to `deliver`. */
const countingSink = (deliver: (ids: readonly string[]) => void): Sink => ({
  name: 'count',
  async write(batch: readonly EventRecord[]) {
    deliver(batch.map((e) => e.id));
  },
});

export const eventrail: Peer = {
  name: 'eventrail',
  async reset(db) {
    await db.reset();
  },
  async add(client, events) {
    return new OutboxWriter().write(client, events);
  },
  async start(db, setting, workers, deliver) {
    const pool = db.pool(workers * 3 + 1);
    const sink = countingSink(deliver);
    // Tuned as pg-boss is: 5000 rows from the first claim (a default claim starts at 100 and
    // doubles while claims come back full); and as the outbox guide advises for several publishers on
    // one outbox, one claim in flight each.
    const tuned =
      setting === 'tuned'
        ? { claimSize: 5000, maxClaimSize: 5000, ...(workers > 1 ? { claimsInFlight: 1 } : {}) }
        : {};
    const all = Array.from(
      { length: workers },
      () => new OutboxPublisher({ db: pool, sinks: [sink], ...tuned }),
    );
    await Promise.all(all.map((p) => p.start()));
    return {
      async stop() {
        await Promise.all(all.map((p) => p.close()));
        await pool.end();
      },
    };
  },
};

/** The replication slot the WAL relay reads. */
const SLOT = 'eventrail_bench';
const walWriter = new OutboxWriter({ transport: 'wal' });

/**
 * eventrail's WAL transport: an OutboxWriter with `transport: 'wal'` and one WalRelay (a slot
 * has one reader: `workers` must be 1), at its defaults or tuned (batches of 5000). Each reset
 * makes the slot anew at the server's current position, so that a run reads only its own WAL,
 * not that of the runs of other peers before it.
 */
export const walRelay: Peer = {
  name: 'eventrail-wal',
  async reset(db) {
    await db.reset();
    const pool = db.pool(1);
    try {
      // The relay of the last run may still hold the slot for a moment after its close.
      await dropSlot({ db: pool, slot: SLOT, force: true });
      await createSlot({ db: pool, slot: SLOT });
    } finally {
      await pool.end();
    }
  },
  async add(client, events) {
    return walWriter.write(client, events);
  },
  async start(db, setting, workers, deliver) {
    if (workers !== 1) throw new Error(`one WalRelay reads a slot, not ${workers}`);
    const pool = db.pool(1);
    const relay = new WalRelay({
      db: pool,
      slot: SLOT,
      sinks: [countingSink(deliver)],
      ...(setting === 'tuned' ? { maxBatchSize: 5000 } : {}),
    });
    relay.on('error', (error) => note(`WAL relay: ${error.message}`));
    await relay.start();
    return {
      async stop() {
        await relay.close();
        await pool.end();
      },
    };
  },
};

export const graphileWorker: Peer = {
  name: 'graphile-worker',
  async reset(db) {
    const pool = db.pool(1);
    try {
      await pool.query(
        'TRUNCATE graphile_worker._private_jobs, graphile_worker._private_job_queues CASCADE',
      );
    } finally {
      await pool.end();
    }
  },
  async add(client, events) {
    const specs = events.map((e) => ({ identifier: 'count', payload: { ...e } }));
    const { rows } = await client.query<{ id: string }>(
      `SELECT id::text AS id FROM graphile_worker.add_jobs(ARRAY(
         SELECT json_populate_recordset(NULL::graphile_worker.job_spec, $1::json)))`,
      [JSON.stringify(specs)],
    );
    return rows.map((r) => r.id);
  },
  async start(db, setting, workers, deliver) {
    const tuned =
      setting === 'tuned'
        ? {
            concurrency: 24,
            maxPoolSize: 25,
            preset: {
              worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 },
            },
          }
        : {};
    const runners = await Promise.all(
      Array.from({ length: workers }, () =>
        run({
          connectionString: db.url,
          logger: silent,
          noHandleSignals: true,
          taskList: {
            count: async (_payload, helpers) => deliver([String(helpers.job.id)]),
          },
          ...tuned,
        }),
      ),
    );
    return {
      async stop() {
        await Promise.all(runners.map((r) => r.stop()));
      },
    };
  },
};

export const pgBoss: Peer = {
  name: 'pg-boss',
  async reset(db) {
    const pool = db.pool(1);
    try {
      await pool.query('TRUNCATE pgboss.job');
    } finally {
      await pool.end();
    }
  },
  async add(client, events) {
    const executeSql = (text: string, values: unknown[]) => client.query(text, values);
    // insert() returns no ids; give each job one.
    const jobs = events.map((e) => ({ id: randomUUID(), name: QUEUE, data: { ...e } }));
    await pgBossFor.insert(jobs, { db: { executeSql } });
    return jobs.map((j) => j.id);
  },
  async start(db, setting, workers, deliver) {
    const boss = new PgBoss({ connectionString: db.url, max: workers + 2 });
    boss.on('error', () => {});
    await boss.start();
    const options = setting === 'tuned' ? { batchSize: 5000, pollingIntervalSeconds: 0.5 } : {};
    for (let i = 0; i < workers; i++) {
      await boss.work(QUEUE, options, async (jobs) => deliver(jobs.map((j) => j.id)));
    }
    return {
      async stop() {
        await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
      },
    };
  },
};

/** The pg-boss instance whose `insert` writes jobs (it needs no running workers). */
let pgBossFor: PgBoss;

/** Installs both peers' schemas on the bench database (untimed). */
export async function installPeers(db: BenchDatabase): Promise<() => Promise<void>> {
  await runMigrations({ connectionString: db.url, logger: silent });
  pgBossFor = new PgBoss({ connectionString: db.url, max: 2, supervise: false, schedule: false });
  pgBossFor.on('error', () => {});
  await pgBossFor.start();
  await pgBossFor.createQueue(QUEUE);
  return () => pgBossFor.stop({ graceful: false, wait: true });
}

export const PEERS: readonly Peer[] = [eventrail, graphileWorker, pgBoss];
