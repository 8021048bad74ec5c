/**
 * The claim is served by the partial index of pending rows, not by seed 002's
 * (status, next_retry_at, created_at) index nor a scan, on an outbox whose history is mostly
 * published, for a first claim and for one grown to the default maxBatchSize; and the claim's own update (the lease) is a HOT update, which the table's
 * fillfactor makes room for.
 */
import { describe, expect, it } from 'vitest';
import { tableNames } from '../../src/postgres/sql/names.js';
import { outboxSql } from '../../src/postgres/sql/outbox.js';
import { useTestDatabase } from '../helpers/database.js';
import { explain, storageOptions } from '../helpers/plans.js';

const db = useTestDatabase();
const statements = outboxSql(tableNames());

describe('the outbox claim', () => {
  it('reads the partial index of pending rows on a mostly published outbox', async () => {
    await db.pool.query(
      `INSERT INTO eventrail.event_outbox (id, event_type, user_id, aggregate_id, payload, status,
         published_at)
       SELECT gen_random_uuid(), 'message_created', 'user-1', 'chat-' || (i % 100), '{}',
              CASE WHEN i % 20 = 0 THEN 'pending' ELSE 'published' END,
              CASE WHEN i % 20 = 0 THEN NULL ELSE now() END
         FROM generate_series(1, 40000) AS i`,
    );
    await db.pool.query('VACUUM ANALYZE eventrail.event_outbox');

    // The first claim's size, and the largest a default claim grows to; planned for these
    // parameters and, as the publisher prepares its claim, once for all of them.
    for (const [limit, generic] of [
      [100, false],
      [1000, false],
      [1000, true],
    ] as const) {
      const claim = await explain(
        db.pool,
        'event_outbox',
        statements.claim,
        [limit, 30_000, 'plan-test/1'],
        { generic },
      );
      expect(claim.scans, `claim of ${limit}, generic ${generic}`).not.toContain('Seq Scan');
      expect(claim.indexes).toContain('event_outbox_pending_due_idx');
      expect(claim.indexes).not.toContain('event_outbox_status_retry_created_idx');
    }

    for (const generic of [false, true]) {
      const ordered = await explain(
        db.pool,
        'event_outbox',
        statements.claimOrdered,
        [100, 30_000, 'plan-test/2'],
        { generic },
      );
      expect(ordered.scans, `generic ${generic}`).not.toContain('Seq Scan');
      expect(ordered.indexes).toEqual(
        expect.arrayContaining([
          'event_outbox_pending_due_idx',
          'event_outbox_pending_aggregate_idx',
        ]),
      );
    }
  });

  it('takes most leases with HOT updates thanks to the fillfactor, and almost none without it', async () => {
    expect(await storageOptions(db.pool, 'eventrail.event_outbox')).toEqual(['fillfactor=50']);
    expect(await hotShareOfClaims()).toBeGreaterThan(0.8);
    await db.pool.query('ALTER TABLE eventrail.event_outbox RESET (fillfactor)');
    expect(await hotShareOfClaims()).toBeLessThan(0.2);
  });
});

/**
 * Fills an empty outbox with 5000 rows, claims 1000 in a transaction, and returns the share of
 * HOT updates among the claim's, then rolls back.
 */
async function hotShareOfClaims(): Promise<number> {
  await db.pool.query('TRUNCATE eventrail.event_outbox');
  await db.pool.query(
    `INSERT INTO eventrail.event_outbox (id, event_type, user_id, payload)
     SELECT gen_random_uuid(), 'message_created', 'user-1', jsonb_build_object('i', i)
       FROM generate_series(1, 5000) AS i`,
  );
  const client = await db.pool.connect();
  // The backend's own counters, before they reach pg_stat_user_tables (which lags); they may
  // still hold earlier transactions' counts, so the claim's are the difference.
  const counters = async () => {
    const { rows } = await client.query(
      `SELECT n_tup_upd::int AS updates, n_tup_hot_upd::int AS hot FROM pg_stat_xact_user_tables
        WHERE schemaname = 'eventrail' AND relname = 'event_outbox'`,
    );
    return rows[0] as { updates: number; hot: number };
  };
  try {
    await client.query('BEGIN');
    const before = await counters();
    const claimed = await client.query(statements.claim, [1000, 30_000, 'plan-test/claim']);
    expect(claimed.rows).toHaveLength(1000);
    const after = await counters();
    expect(after.updates - before.updates).toBe(1000);
    return (after.hot - before.hot) / 1000;
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}
