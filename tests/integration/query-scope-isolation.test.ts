/**
 * Users A and B share every session, agent, BOM, workflow, tenant, project, error code and tool:
 * only the scope tells their rows apart. Every read scoped to A returns none of B's rows.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/index.js';
import { CursorCodec } from '../../src/postgres/cursor/codec.js';
import { EventQueries, MemoryCacheStore } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents, type SeedEvent } from '../helpers/events.js';

const db = useTestDatabase();
const SECRET = 'isolation-test-secret-0123456789';
const TYPES = ['TOOL_REQUEST', 'AGENT_SWITCHED', 'DIRECT_AGENT_CALL', 'ERROR', 'TASK_PROGRESS'];
const A = { userId: 'user-a' };
const start = Date.now() - 60 * 60 * 1000;

function events(userId: string, count: number): SeedEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    type: TYPES[i % TYPES.length]!,
    userId,
    projectId: `project-${i % 2}`,
    tenantId: 'tenant-1',
    sessionId: `session-${i % 3}`,
    agentId: `agent-${i % 4}`,
    aggregateType: 'bom',
    aggregateId: `bom-${i % 3}`,
    workflowId: `wf-${i % 3}`,
    toolName: `tool-${i % 2}`,
    errorCode: TYPES[i % TYPES.length] === 'ERROR' ? `E${i % 2}` : null,
    createdAt: new Date(start + i * 1000 + (userId === 'user-b' ? 500 : 0)),
  }));
}

function onlyA(items: readonly EventRecord[]) {
  expect(items.length).toBeGreaterThan(0);
  expect(items.filter((e) => e.userId !== 'user-a')).toEqual([]);
}

describe('scope isolation', () => {
  let queries: EventQueries;
  let a: EventRecord[];

  beforeAll(async () => {
    a = await insertEvents(db.pool, events('user-a', 60));
    await insertEvents(db.pool, events('user-b', 90));
    queries = new EventQueries({
      db: db.pool,
      cursorSecret: SECRET,
      cache: new MemoryCacheStore(),
    });
  });

  it('lists only A’s rows, with any filter and in both orders', async () => {
    const filters = [
      {},
      { types: ['ERROR', 'TOOL_REQUEST'] },
      { agentId: 'agent-1' },
      { sessionId: 'session-2' },
      { aggregate: { type: 'bom', id: 'bom-0' } },
      { workflowId: 'wf-1' },
      { errorCode: 'E1' },
      { toolName: 'tool-0' },
      { errorsOnly: true },
      { from: new Date(start), to: new Date(start + 30_000) },
    ];
    for (const f of filters) {
      for (const order of ['desc', 'asc'] as const)
        onlyA((await queries.listEvents(A, f, { order, limit: 500 })).items);
    }
    const all = await queries.listEvents(A, {}, { limit: 500 });
    expect(all.items.map((e) => e.id).sort()).toEqual(a.map((e) => e.id).sort());
  });

  it('narrows to the project or tenant of the scope', async () => {
    const p1 = await queries.listEvents(
      { userId: 'user-a', projectId: 'project-1' },
      {},
      { limit: 500 },
    );
    expect(p1.items).toHaveLength(30);
    expect(p1.items.every((e) => e.userId === 'user-a' && e.projectId === 'project-1')).toBe(true);
    const other = await queries.listEvents({ userId: 'user-a', tenantId: 'tenant-2' });
    expect(other.items).toEqual([]);
  });

  it('scopes the convenience reads', async () => {
    onlyA((await queries.sessionEvents(A, 'session-1')).items);
    onlyA((await queries.aggregateEvents(A, { type: 'bom', id: 'bom-2' })).items);
    onlyA((await queries.workflowEvents(A, 'wf-0')).items);
    onlyA((await queries.recentErrors({ ...A, tenantId: 'tenant-1' })).items);
  });

  it('counts only A’s rows in every aggregate, cached or not', async () => {
    for (let round = 0; round < 2; round++) {
      const counts = await queries.countsByType(A);
      expect(counts.reduce((n, c) => n + c.count, 0)).toBe(60);
      const agents = await queries.agentInteractions(A);
      expect(agents.reduce((n, c) => n + c.switches + c.directCalls, 0)).toBe(24);
      expect((await queries.errorStats(A)).total).toBe(12);
      const series = await queries.timeSeries(
        A,
        { from: new Date(start - 60_000), to: new Date(start + 3_600_000) },
        { bucket: 'hour' },
      );
      expect(series.reduce((n, p) => n + p.count, 0)).toBe(60);
    }
  });

  it('refuses B’s cursor on A’s read, and a cursor forged to B’s rows still returns only A’s', async () => {
    const b = await queries.listEvents({ userId: 'user-b' }, {}, { limit: 10 });
    expect(b.nextCursor).not.toBeNull();
    await expect(queries.listEvents(A, {}, { cursor: b.nextCursor! })).rejects.toMatchObject({
      field: 'page.cursor',
    });
    // Someone who knows the secret signs A's binding with the position of one of B's rows.
    const { rows } = await db.pool.query(
      `SELECT id, (extract(epoch FROM created_at) * 1000000)::int8::text AS micros
         FROM eventrail.event_logs WHERE user_id = 'user-b' AND created_at = $1`,
      [new Date(start + 30_500)],
    );
    const binding = JSON.stringify([
      'eventrail',
      { userId: 'user-a', projectId: null, tenantId: null },
      {
        types: null,
        agentId: null,
        sessionId: null,
        aggregateType: null,
        aggregateId: null,
        workflowId: null,
        errorCode: null,
        toolName: null,
        traceId: null,
        errorsOnly: false,
        from: null,
        to: null,
      },
      'desc',
    ]);
    const forged = new CursorCodec(SECRET).encode(rows[0], binding);
    const page = await queries.listEvents(A, {}, { cursor: forged, limit: 500 });
    // The position is honoured (A's rows older than that row of B's), the scope too.
    expect(page.items.map((e) => e.id)).toEqual(
      a
        .slice(0, 31)
        .reverse()
        .map((e) => e.id),
    );
  });

  it('walks A’s pages to the end without meeting B', async () => {
    const seen: EventRecord[] = [];
    let cursor: string | undefined;
    do {
      const page: Awaited<ReturnType<EventQueries['listEvents']>> = await queries.listEvents(
        A,
        {},
        { limit: 7, ...(cursor ? { cursor } : {}) },
      );
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(60);
    onlyA(seen);
  });
});
