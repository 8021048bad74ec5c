/**
 * The seeds' reads: events of a session, of a BOM (optionally of some types), of a workflow,
 * and a tenant's recent errors (the last 24 hours by default).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/index.js';
import { EventQueries } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';

const db = useTestDatabase();
const HOUR = 3_600_000;
const scope = { userId: 'user-a' };
const ids = (items: readonly EventRecord[]) => items.map((e) => e.id);

describe('convenience reads', () => {
  let queries: EventQueries;
  let stored: EventRecord[];
  const now = Date.now();

  beforeAll(async () => {
    stored = await insertEvents(
      db.pool,
      Array.from({ length: 60 }, (_, i) => ({
        type: ['processing_started', 'enrichment_progress', 'error', 'ERROR'][i % 4]!,
        userId: 'user-a',
        tenantId: `tenant-${i % 2}`,
        sessionId: `session-${i % 3}`,
        aggregateType: 'bom',
        aggregateId: `bom-${i % 5}`,
        workflowId: `wf-${i % 6}`,
        payload: i % 4 === 2 ? { error_code: 'TIMEOUT' } : {},
        createdAt: new Date(now - (60 - i) * HOUR),
      })),
    );
    queries = new EventQueries({ db: db.pool });
  });

  const newestFirst = (list: EventRecord[]) =>
    [...list].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());

  it('reads a session, a BOM and a workflow as listEvents with that filter', async () => {
    const s = await queries.sessionEvents(scope, 'session-1', {}, { limit: 100 });
    expect(ids(s.items)).toEqual(
      ids(newestFirst(stored.filter((e) => e.sessionId === 'session-1'))),
    );
    const bom = await queries.aggregateEvents(
      scope,
      { type: 'bom', id: 'bom-2' },
      { types: ['error', 'ERROR'] },
    );
    expect(ids(bom.items)).toEqual(
      ids(
        newestFirst(
          stored.filter((e) => e.aggregateId === 'bom-2' && e.type.toUpperCase() === 'ERROR'),
        ),
      ),
    );
    expect(bom.items.length).toBeGreaterThan(0);
    const wf = await queries.workflowEvents(scope, 'wf-5', {}, { order: 'asc' });
    expect(ids(wf.items)).toEqual(
      ids(newestFirst(stored.filter((e) => e.workflowId === 'wf-5')).reverse()),
    );
  });

  it('lists a tenant’s errors of the last 24 hours, or from a given time', async () => {
    const isError = (e: EventRecord) =>
      e.type.toUpperCase() === 'ERROR' && e.tenantId === 'tenant-0';
    const recent = await queries.recentErrors({ ...scope, tenantId: 'tenant-0' });
    const expected = newestFirst(
      stored.filter((e) => isError(e) && e.createdAt.getTime() >= now - 24 * HOUR),
    );
    expect(ids(recent.items)).toEqual(ids(expected));
    expect(expected.length).toBeGreaterThan(0);
    const week = await queries.recentErrors(
      { ...scope, tenantId: 'tenant-0' },
      { from: new Date(now - 7 * 24 * HOUR) },
    );
    expect(ids(week.items)).toEqual(ids(newestFirst(stored.filter(isError))));
    expect(week.items.length).toBeGreaterThan(recent.items.length);
  });

  it('pages recent errors with the cursor although the window moves with the clock', async () => {
    const tenant = { ...scope, tenantId: 'tenant-0' };
    const first = await queries.recentErrors(tenant, {}, { limit: 2 });
    const second = await queries.recentErrors(tenant, {}, { limit: 2, cursor: first.nextCursor! });
    const all = await queries.recentErrors(tenant, {}, { limit: 4 });
    expect([...ids(first.items), ...ids(second.items)]).toEqual(ids(all.items));
  });
});
