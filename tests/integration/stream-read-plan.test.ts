/**
 * The shared read runs at every wake-up over every partition of event_logs (90 days of retention
 * keep ~93). It runs on the LISTEN connection, prepared once, and must stay cheap whatever the
 * statistics: never planned afresh at a read (several milliseconds of the database's CPU over
 * 93 partitions), and never a plan that scans and sorts today's partition because it was small
 * when the plan was made.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStream, maintain } from '../../src/postgres/index.js';
import { READ_TAG } from '../../src/postgres/sql/stream.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { collect, listeningBackends } from '../helpers/stream.js';

const db = useTestDatabase();
let pool: pg.Pool;
/** Every connection the pool made, by backend pid. */
const clients = new Map<number, pg.PoolClient>();

/** Plan nodes of a JSON plan, depth first. */
function nodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  const children = (plan.Plans as Record<string, unknown>[] | undefined) ?? [];
  return [plan, ...children.flatMap(nodes)];
}

beforeAll(async () => {
  await maintain({ db: db.pool, premake: 90 });
  // Analyzed while empty, as a nightly VACUUM ANALYZE leaves the partitions of days to come.
  await db.pool.query('VACUUM ANALYZE eventrail.event_logs');
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('connect', (client) => {
    clients.set((client as unknown as { processID: number }).processID, client);
  });
}, 60_000);
afterAll(async () => {
  await pool.end();
});

async function insert(count: number, type: string): Promise<void> {
  await db.pool.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id)
     SELECT gen_random_uuid(), $1, 'user-' || (g % 100) FROM generate_series(1, $2) AS g`,
    [type, count],
  );
}

/** The shared read's statement on the LISTEN connection `pid`: plans made so far, the plan now. */
async function sharedRead(pid: number) {
  const listening = clients.get(pid) as pg.PoolClient;
  const { rows } = await listening.query(
    `SELECT name, generic_plans::int AS generic, custom_plans::int AS custom
     FROM pg_prepared_statements WHERE starts_with(statement, $1)`,
    [READ_TAG],
  );
  expect(rows).toHaveLength(1);
  const [read] = rows as [{ name: string; generic: number; custom: number }];
  const nil = '00000000-0000-0000-0000-000000000000';
  const { rows: explained } = await listening.query(
    `EXPLAIN (FORMAT JSON) EXECUTE ${read.name}('0', '${nil}', 500)`,
  );
  return { ...read, plan: nodes(explained[0]['QUERY PLAN'][0].Plan) };
}

describe('the shared read of EventStream', () => {
  it('keeps one index-walking plan over 90 days of partitions as today grows', async () => {
    const { rows: partitions } = await db.pool.query(
      `SELECT count(*)::int AS n FROM pg_inherits
       WHERE inhparent = 'eventrail.event_logs'::regclass`,
    );
    expect(partitions[0].n).toBeGreaterThanOrEqual(90);
    /** Every partition walked by its index, nothing sorted, never planned for one read. */
    const expectIndexWalk = async (reads: number) => {
      // Right after a read: the LISTEN connection shows it as its last statement.
      const pids = await listeningBackends(db.pool, db.name);
      expect(pids).toHaveLength(1);
      const read = await sharedRead(pids[0] as number);
      expect(read.custom).toBe(0);
      expect(read.generic).toBeGreaterThanOrEqual(reads);
      const scans = read.plan.filter((n) => String(n['Relation Name']).startsWith('event_logs'));
      expect(scans).toHaveLength(partitions[0].n);
      expect(new Set(scans.map((n) => n['Node Type']))).toEqual(new Set(['Index Scan']));
      expect(read.plan.filter((n) => n['Node Type'] === 'Sort')).toEqual([]);
      return pids[0] as number;
    };
    const stream = new EventStream({ db: pool, pollIntervalMs: 60_000 });
    try {
      const sub = collect(stream.subscribe({ userId: 'user-1' }));
      await sub.started();
      let expected = 0;
      /** Commits one event of the subscriber at a time: one read each. */
      const oneByOne = async (commits: number) => {
        for (let i = 0; i < commits; i++) {
          await insert(1, 'NEW');
          expected += 1;
          await sub.until(expected);
        }
      };
      await oneByOne(6); // today's partition is nearly empty
      await insert(50_000, 'BULK'); // 500 of them the subscriber's
      expected += 500;
      await oneByOne(6);
      await expectIndexWalk(12);
      await db.pool.query('VACUUM ANALYZE eventrail.event_logs');
      await oneByOne(6);
      const pid = await expectIndexWalk(18);
      // A new LISTEN connection is set up the same way.
      await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      await waitFor(
        async () => (await listeningBackends(db.pool, db.name)).some((p) => p !== pid),
        15_000,
        'a new LISTEN connection',
      );
      await oneByOne(6);
      await expectIndexWalk(6);
      expect(sub.ids()).toHaveLength(expected);
    } finally {
      await stream.close();
    }
  });
});
