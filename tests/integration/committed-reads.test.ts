/**
 * The committed read that the durable consumers and replay share: events in commit order, of one
 * scope or of every scope, never past the settled mark (a transaction still open holds back
 * whatever committed after it began).
 */
import { describe, expect, it } from 'vitest';
import { normalizeEvent } from '../../src/index.js';
import { toExecutor } from '../../src/postgres/driver/executor.js';
import { committedReads } from '../../src/postgres/read/committed.js';
import { resolveFilters } from '../../src/postgres/read/filters.js';
import { ORIGIN } from '../../src/postgres/read/position.js';
import { resolveScope } from '../../src/postgres/read/scope.js';
import { tableNames } from '../../src/postgres/sql/names.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';

const db = useTestDatabase();

describe('committed reads', () => {
  it('read every scope or one, in commit order, and stop at a transaction still open', async () => {
    const reads = (scope?: { userId: string }, filters = {}) =>
      committedReads(
        toExecutor(db.pool),
        tableNames(),
        scope && resolveScope(scope),
        resolveFilters(filters),
      );
    const first = await insertEvents(db.pool, [
      { type: 'A', userId: 'u1' },
      { type: 'B', userId: 'u2' },
    ]);
    // A transaction that begins (takes its id) now and commits last.
    const late = await db.pool.connect();
    await late.query('BEGIN');
    await late.query('SELECT pg_current_xact_id()');
    const second = await insertEvents(db.pool, [{ type: 'A', userId: 'u1' }]);
    const all = reads();
    const held = await all.after(ORIGIN, await all.mark(), 100);
    expect(held.map((e) => e.record.id)).toEqual(first.map((e) => e.id));
    const record = normalizeEvent({ type: 'C', userId: 'u2' });
    await late.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id, created_at, occurred_at, tx_id)
       VALUES ($1, $2, $3, now(), now(), pg_current_xact_id())`,
      [record.id, record.type, record.userId],
    );
    await late.query('COMMIT');
    late.release();
    const everything = await all.after(ORIGIN, await all.mark(), 100);
    // The late transaction took its id before the second insert: it comes before it.
    expect(everything.map((e) => e.record.id)).toEqual([
      ...first.map((e) => e.id),
      record.id,
      ...second.map((e) => e.id),
    ]);
    const u1 = reads({ userId: 'u1' }, { types: ['A'] });
    expect((await u1.after(ORIGIN, await u1.mark(), 100)).map((e) => e.record.id)).toEqual([
      first[0]!.id,
      second[0]!.id,
    ]);
    const paged = await all.after(everything[1]!.position, await all.mark(), 2);
    expect(paged.map((e) => e.record.id)).toEqual([record.id, second[0]!.id]);
  });
});
