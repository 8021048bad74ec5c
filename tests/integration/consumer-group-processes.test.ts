/**
 * A consumer group of real processes (tests/fixtures/consumer-group-member.ts) over 20,000 events of
 * 50 keys (aggregates), with a member SIGKILLed every 2 s and started again, and a fourth member
 * joining half-way: every effect (a row the handler inserts in the consumer's transaction)
 * exactly once, each key's events applied in commit order, the poison key parked after its
 * retries (with every later event of it, in order) while the other 49 keys finish, and the
 * member that joined took a share.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();
const KEYS = 50;
const EVENTS = 20_000;
const PER_KEY = EVENTS / KEYS;
/** The poison key's events from this sequence number on make the handler throw. */
const POISON_KEY = 'bom-13';
const POISON_FROM = 200;

const members = new Map<string, ChildProcess>();

function startMember(label: string): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'tests/fixtures/consumer-group-member.ts'],
    {
      cwd: root,
      env: { ...process.env, DATABASE_URL: db.url, CONSUMER: 'projector', MEMBER: label },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  members.set(label, child);
  return child;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', resolve));

/** Inserts events `from`..`to` (1-based, exclusive end) round-robin over the keys, one transaction. */
async function log(from: number, to: number) {
  await db.pool.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id, aggregate_type, aggregate_id, payload)
     SELECT gen_random_uuid(), 'STEP', 'user-1', 'bom', 'bom-' || (g % $3),
       jsonb_build_object('seq', g / $3) ||
         CASE WHEN 'bom-' || (g % $3) = $4 AND g / $3 >= $5 THEN '{"poison": true}'::jsonb ELSE '{}' END
     FROM generate_series($1::int, $2::int - 1) AS g`,
    [from, to, KEYS, POISON_KEY, POISON_FROM],
  );
}

beforeAll(async () => {
  await db.pool.query(
    `CREATE TABLE effects (n bigserial PRIMARY KEY, event_id uuid NOT NULL, key text NOT NULL,
       seq int NOT NULL, member text NOT NULL)`,
  );
});

afterAll(async () => {
  for (const child of members.values()) child.kill('SIGKILL');
  await Promise.all([...members.values()].map(exited));
});

describe('a consumer group of processes, one SIGKILLed every 2 s', () => {
  it('applies every event once, in order per key, parks the poison key, shares with a late member', async () => {
    // Half the events exist before the members start, the rest commit while they run.
    await log(0, EVENTS / 2);
    for (const label of ['a', 'b', 'c']) startMember(label);
    const writer = (async () => {
      for (let g = EVENTS / 2; g < EVENTS; g += 500) {
        // 20 chunks over at least 10 s: the group cannot finish before several kills.
        await log(g, g + 500);
        await sleep(500);
      }
    })();

    const poisoned = PER_KEY - POISON_FROM;
    const expected = EVENTS - poisoned;
    const deadline = Date.now() + 60_000;
    let kills = 0;
    let restarts = 0;
    let joined = false;
    for (;;) {
      await sleep(2000);
      const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM effects');
      const done = rows[0]?.n ?? 0;
      if (done >= expected || Date.now() > deadline) break;
      if (!joined && done >= EVENTS / 4) {
        startMember('late');
        joined = true;
        continue;
      }
      // SIGKILL one of the first three (never the late one, which must get to take a share),
      // and start it again under a new label.
      const victims = [...members.entries()].filter(([label]) => label !== 'late');
      const [label, child] = victims[kills % victims.length] as [string, ChildProcess];
      child.kill('SIGKILL');
      await exited(child);
      members.delete(label);
      kills++;
      startMember(`${label.split('.')[0]}.${++restarts}`);
    }
    await writer;
    // Let the group settle: no more effects are coming.
    await sleep(3000);

    expect(kills).toBeGreaterThanOrEqual(3);
    const { rows: totals } = await db.pool.query<{ n: number; distinct: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT event_id)::int AS distinct FROM effects',
    );
    expect(totals[0]).toEqual({ n: expected, distinct: expected });

    // Each key's events applied in commit order ((tx_id, id): within one of the writer's
    // transactions that is the order of the random ids, not of seq): the effects' row numbers
    // rank a key's events as their positions do.
    const { rows: disorder } = await db.pool.query(
      `SELECT key FROM (SELECT f.key,
           row_number() OVER (PARTITION BY f.key ORDER BY f.n) AS applied,
           row_number() OVER (PARTITION BY f.key ORDER BY e.tx_id, e.id) AS committed
         FROM effects f JOIN eventrail.event_logs e ON e.id = f.event_id) AS s
       WHERE applied <> committed LIMIT 5`,
    );
    expect(disorder).toEqual([]);
    const { rows: keys } = await db.pool.query<{ key: string; n: number }>(
      'SELECT key, count(*)::int AS n FROM effects GROUP BY key ORDER BY key',
    );
    expect(keys).toHaveLength(KEYS);
    for (const { key, n } of keys) expect(n).toBe(key === POISON_KEY ? POISON_FROM : PER_KEY);

    // The poison key: its first failing event and every later one of it parked, nothing else.
    const { rows: parked } = await db.pool.query<{ key: string; n: number; min: number }>(
      `SELECT d.key, count(*)::int AS n, min((e.payload->>'seq')::int) AS min
         FROM eventrail.dead_letters d JOIN eventrail.event_logs e ON e.id = d.event_id
        WHERE d.consumer = 'projector' GROUP BY d.key`,
    );
    expect(parked).toEqual([{ key: POISON_KEY, n: poisoned, min: POISON_FROM }]);

    // The member that joined half-way took a share of the work.
    const { rows: late } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM effects WHERE member = 'late'`,
    );
    expect(late[0]?.n).toBeGreaterThan(0);
  }, 120_000);
});
