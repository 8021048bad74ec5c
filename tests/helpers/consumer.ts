/**
 * What the consumer tests share: a host table the handlers write their effects to (in the
 * consumer's transaction), events seeded on keys, waits, and checks of "each effect once, in
 * each key's commit order".
 */
import type { EventRecord } from '../../src/index.js';
import { Consumer, type ConsumerOptions, type QueryableLike } from '../../src/postgres/index.js';
import type { TestDatabase } from './database.js';

/** The consumer helpers of a test file's database. */
export function consumerOn(db: TestDatabase) {
  const consumers: Consumer[] = [];
  return {
    /** Creates the effects table (once per file). */
    async createEffects() {
      await db.pool.query(`CREATE TABLE IF NOT EXISTS effects (
        seq bigserial PRIMARY KEY, consumer text NOT NULL, event_id uuid NOT NULL,
        key text NOT NULL, member text NOT NULL)`);
    },
    /**
     * `count` events on keys k0..k(keys-1) (as aggregate ids), `perTx` to a transaction,
     * created `createdAt` (now when absent).
     */
    async seed(count: number, keys: number, options: { perTx?: number; createdAt?: Date } = {}) {
      const perTx = options.perTx ?? count;
      for (let first = 0; first < count; first += perTx) {
        await db.pool.query(
          `INSERT INTO eventrail.event_logs (id, event_type, user_id, aggregate_id, payload, created_at)
           SELECT gen_random_uuid(), 'A', 'u', 'k' || (g % $2), jsonb_build_object('i', g),
             coalesce($4::timestamptz, now())
           FROM generate_series($1::int, $1::int + $3::int - 1) AS g`,
          [first, keys, Math.min(perTx, count - first), options.createdAt ?? null],
        );
      }
    },
    /** A handler that writes one effect per event in `tx`, as `member`. */
    effects:
      (consumer: string, member: string) =>
      async (events: readonly EventRecord[], tx: QueryableLike): Promise<void> => {
        await tx.query(
          `INSERT INTO effects (consumer, event_id, key, member)
           SELECT $1, unnest($2::uuid[]), unnest($3::text[]), $4`,
          [consumer, events.map((e) => e.id), events.map((e) => e.aggregateId ?? e.userId), member],
        );
      },
    /** Makes a consumer on the test's pool, closed after the test by `closeAll`. */
    make(options: Omit<ConsumerOptions, 'db'> & { db?: ConsumerOptions['db'] }): Consumer {
      const consumer = new Consumer({
        db: db.pool,
        leaseMs: 2000,
        heartbeatMs: 200,
        pollIntervalMs: 50,
        retry: { minDelayMs: 5, maxDelayMs: 20 },
        ...options,
      });
      consumer.on('error', () => {});
      consumers.push(consumer);
      return consumer;
    },
    async closeAll() {
      await Promise.all(consumers.splice(0).map((c) => c.close({ timeoutMs: 2000 })));
    },
    /** How many effects of `consumer` there are, and how many events appear more than once. */
    async effectCounts(consumer: string) {
      const { rows } = await db.pool.query<{ total: number; distinct: number }>(
        `SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct
         FROM effects WHERE consumer = $1`,
        [consumer],
      );
      return rows[0] as { total: number; distinct: number };
    },
    /**
     * The keys whose effects (by seq) are not in the commit order of their events (by tx_id,
     * id): empty when every key was handled in order.
     */
    async keysOutOfOrder(consumer: string): Promise<string[]> {
      const { rows } = await db.pool.query<{ key: string }>(
        `WITH f AS (
           SELECT f.key, f.seq, row_number() OVER (PARTITION BY f.key ORDER BY f.seq) AS by_seq,
             row_number() OVER (PARTITION BY f.key ORDER BY e.tx_id, e.id) AS by_commit
           FROM effects f JOIN eventrail.event_logs e ON e.id = f.event_id
           WHERE f.consumer = $1)
         SELECT DISTINCT key FROM f WHERE by_seq <> by_commit`,
        [consumer],
      );
      return rows.map((r) => r.key);
    },
  };
}

/** Waits until `check` holds (polled every 20 ms), failing after `timeoutMs`. */
export async function waitUntil(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
