/**
 * The claim is served by the partial index of pending rows, not by seed 002's
 * (status, next_retry_at, created_at) index nor a scan, on an outbox whose history is mostly
 * published; and the claim's own update (the lease) is a HOT update, which the table's
 * fillfactor makes room for.
 */
import { describe, expect, it } from 'vitest';
import { tableNames } from '../../src/postgres/sql/names.js';
import { outboxSql } from '../../src/postgres/sql/outbox.js';
import { useTestDatabase } from '../helpers/database.js';
import { explain } from '../helpers/plans.js';

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

    const claim = await explain(db.pool, 'event_outbox', statements.claim, [
      100,
      30_000,
      'plan-test/1',
    ]);
    expect(claim.scans).not.toContain('Seq Scan');
    expect(claim.indexes).toContain('event_outbox_pending_due_idx');
    expect(claim.indexes).not.toContain('event_outbox_status_retry_created_idx');

    const ordered = await explain(db.pool, 'event_outbox', statements.claimOrdered, [
      100,
      30_000,
      'plan-test/2',
    ]);
    expect(ordered.scans).not.toContain('Seq Scan');
    expect(ordered.indexes).toEqual(
      expect.arrayContaining([
        'event_outbox_pending_due_idx',
        'event_outbox_pending_aggregate_idx',
      ]),
    );
  });

  it('takes most leases with HOT updates thanks to the fillfactor, and almost none without it', async () => {
    const { rows } = await db.pool.query(
      `SELECT reloptions FROM pg_class WHERE oid = 'eventrail.event_outbox'::regclass`,
    );
    expect(rows[0].reloptions).toEqual(['fillfactor=50']);
    expect(await hotShareOfClaims()).toBeGreaterThan(0.8);
    await db.pool.query('ALTER TABLE eventrail.event_outbox RESET (fillfactor)');
    expect(await hotShareOfClaims()).toBeLessThan(0.2);
  });
});

/** Fills an empty outbox with 5000 rows, claims 1000, and returns the share of HOT updates. */
async function hotShareOfClaims(): Promise<number> {
  await db.pool.query('TRUNCATE eventrail.event_outbox');
  await db.pool.query(
    `INSERT INTO eventrail.event_outbox (id, event_type, user_id, payload)
     SELECT gen_random_uuid(), 'message_created', 'user-1', jsonb_build_object('i', i)
       FROM generate_series(1, 5000) AS i`,
  );
  const before = await hotUpdates();
  const { rows } = await db.pool.query(statements.claim, [1000, 30_000, 'plan-test/claim']);
  expect(rows).toHaveLength(1000);
  // Statistics reach the view asynchronously; ask until the claim's updates are counted.
  let after = await hotUpdates();
  for (let i = 0; i < 50 && after.updates - before.updates < 1000; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    after = await hotUpdates();
  }
  expect(after.updates - before.updates).toBe(1000);
  return (after.hot - before.hot) / 1000;
}

async function hotUpdates(): Promise<{ updates: number; hot: number }> {
  const { rows } = await db.pool.query(
    `SELECT pg_stat_clear_snapshot(), n_tup_upd::int AS updates, n_tup_hot_upd::int AS hot
       FROM pg_stat_user_tables WHERE schemaname = 'eventrail' AND relname = 'event_outbox'`,
  );
  return { updates: rows[0].updates, hot: rows[0].hot };
}
