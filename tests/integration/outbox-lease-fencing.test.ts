/**
 * The claim/lease protocol on its own: a live lease hides rows from other claims, an expired one
 * does not, and a claim whose rows were taken over can no longer change them.
 */
import { describe, expect, it } from 'vitest';
import { toExecutor } from '../../src/postgres/driver/executor.js';
import { OutboxLeases } from '../../src/postgres/outbox/leases.js';
import { tableNames } from '../../src/postgres/sql/names.js';
import { outboxSql } from '../../src/postgres/sql/outbox.js';
import { useTestDatabase } from '../helpers/database.js';
import { commitToOutbox, outboxEvents } from '../helpers/outbox.js';

const db = useTestDatabase();

async function rowsOf(ids: readonly string[]) {
  const { rows } = await db.pool.query(
    `SELECT status, locked_by, retry_count, locked_until > now() AS leased
       FROM eventrail.event_outbox WHERE id = ANY($1::uuid[]) ORDER BY id`,
    [ids],
  );
  return rows;
}

describe.each([
  ['as plain statements', false],
  ['as prepared statements', true],
])('outbox leases, %s', (_, prepared) => {
  it('fence every change by the claim that holds the rows', async () => {
    const leases = new OutboxLeases(toExecutor(db.pool), outboxSql(tableNames()), false, prepared);
    const ids = await commitToOutbox(db.pool, outboxEvents(3));

    const first = await leases.claim(10, 50, 'a/1');
    expect(first.map((c) => c.event.id).sort()).toEqual([...ids].sort());
    expect(first[0]?.event.payload).toEqual({ i: 0 });
    // While the lease lives, nobody else gets the rows.
    expect(await leases.claim(10, 60_000, 'b/1')).toEqual([]);

    await new Promise((r) => setTimeout(r, 100));
    const second = await leases.claim(10, 60_000, 'b/2');
    expect(second).toHaveLength(3);

    // The first claim's lease expired and was taken over: its settlements change nothing.
    const late = await leases.settle(
      'a/1',
      ids.map((id) => ({ id, outcome: 'published' as const })),
    );
    expect(late.count).toBe(0);
    expect([...late.lost].sort()).toEqual([...ids].sort());
    expect(await rowsOf(ids)).toEqual(
      ids.map(() => ({ status: 'pending', locked_by: 'b/2', retry_count: 0, leased: true })),
    );

    // The owner's do: one row each way.
    const [published, retried, released] = [...ids].sort();
    const settled = await leases.settle('b/2', [
      { id: published!, outcome: 'published' },
      { id: retried!, outcome: 'retry', delayMs: 60_000, error: 'sink: down' },
      { id: released!, outcome: 'release' },
    ]);
    expect(settled.count).toBe(3);
    expect(settled.lost.size).toBe(0);
    // The statement's now(), on the database's clock: the published row's published_at.
    const { rows: stamp } = await db.pool.query(
      `SELECT (extract(epoch from published_at) * 1000)::float8 AS ms FROM eventrail.event_outbox WHERE id = $1`,
      [published],
    );
    expect(settled.nowMs).toBeCloseTo(stamp[0].ms, 3);
    expect(await rowsOf([published!, retried!, released!])).toEqual([
      { status: 'published', locked_by: null, retry_count: 0, leased: null },
      { status: 'pending', locked_by: null, retry_count: 1, leased: null },
      { status: 'pending', locked_by: null, retry_count: 0, leased: null },
    ]);
    // The released row is claimable at once; the retried one only after its delay.
    const third = await leases.claim(10, 60_000, 'c/1');
    expect(third.map((c) => c.event.id)).toEqual([released]);
    expect(third[0]?.retryCount).toBe(0);

    // A batch settled whole in which one row is no longer this claim's: only that one is lost.
    const mixed = await leases.settle('c/1', [
      { id: released!, outcome: 'published' },
      { id: retried!, outcome: 'published' },
    ]);
    expect(mixed.count).toBe(1);
    expect([...mixed.lost]).toEqual([retried]);
  });
});
