/**
 * Filters, alone and combined, return exactly the rows a plain JavaScript filter over the
 * inserted events selects, in the requested order, as EventRecords.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { EventRecord } from '../../src/index.js';
import { type EventFilters, EventQueries } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';

const db = useTestDatabase();
const TYPES = ['TOOL_REQUEST', 'TOOL_RESULT', 'AGENT_SWITCHED', 'ERROR', 'error', 'TASK_PROGRESS'];
const start = Date.UTC(2024, 4, 1, 12);
const scope = { userId: 'user-a' };

function matches(e: EventRecord, f: EventFilters): boolean {
  const time = e.createdAt.getTime();
  return (
    e.userId === scope.userId &&
    (!f.types || f.types.includes(e.type)) &&
    (f.agentId === undefined || e.agentId === f.agentId) &&
    (f.sessionId === undefined || e.sessionId === f.sessionId) &&
    (!f.aggregate || (e.aggregateType === f.aggregate.type && e.aggregateId === f.aggregate.id)) &&
    (f.workflowId === undefined || e.workflowId === f.workflowId) &&
    (f.errorCode === undefined || e.errorCode === f.errorCode) &&
    (f.toolName === undefined || e.toolName === f.toolName) &&
    (!f.errorsOnly || e.errorCode !== null || e.type.toUpperCase() === 'ERROR') &&
    (f.from === undefined || time >= new Date(f.from).getTime()) &&
    (f.to === undefined || time < new Date(f.to).getTime())
  );
}

function newestFirst(a: EventRecord, b: EventRecord): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1);
}

describe('filters', () => {
  let queries: EventQueries;
  let stored: EventRecord[];

  beforeAll(async () => {
    stored = await insertEvents(
      db.pool,
      Array.from({ length: 480 }, (_, i) => {
        const type = TYPES[i % TYPES.length]!;
        return {
          type,
          userId: i % 8 === 7 ? 'user-b' : 'user-a',
          sessionId: `session-${i % 5}`,
          agentId: i % 3 === 0 ? null : `agent-${i % 4}`,
          aggregateType: i % 2 ? 'bom' : 'chat',
          aggregateId: `obj-${i % 6}`,
          workflowId: `wf-${i % 7}`,
          payload: type.startsWith('TOOL_')
            ? { tool_name: `tool-${i % 3}`, i }
            : type.toUpperCase() === 'ERROR' && i % 4 !== 0
              ? { error_code: `E${i % 3}`, i }
              : { i, nested: { list: [1, 'two', null] } },
          errorCode: type === 'TASK_PROGRESS' && i % 10 === 0 ? 'SLOW' : undefined,
          // Pairs of events share a millisecond, so order falls back to the id.
          createdAt: new Date(start + Math.floor(i / 2) * 60_000),
        };
      }),
    );
    queries = new EventQueries({ db: db.pool });
  });

  const cases: [string, EventFilters][] = [
    ['no filter', {}],
    ['types', { types: ['ERROR', 'TOOL_RESULT'] }],
    ['agent', { agentId: 'agent-1' }],
    ['session', { sessionId: 'session-3' }],
    ['aggregate', { aggregate: { type: 'bom', id: 'obj-3' } }],
    ['workflow', { workflowId: 'wf-4' }],
    ['error code', { errorCode: 'E1' }],
    ['tool', { toolName: 'tool-1' }],
    ['errors only (ERROR in any case, or a code)', { errorsOnly: true }],
    ['time range', { from: new Date(start + 30 * 60_000), to: new Date(start + 90 * 60_000) }],
    ['range as ISO strings', { from: new Date(start).toISOString(), to: start + 10 * 60_000 }],
    [
      'type + agent + session',
      { types: ['TOOL_RESULT'], agentId: 'agent-1', sessionId: 'session-0' },
    ],
    [
      'aggregate + workflow + range',
      {
        aggregate: { type: 'chat', id: 'obj-2' },
        workflowId: 'wf-2',
        from: new Date(start + 3_600_000),
      },
    ],
    ['errors + session + code', { errorsOnly: true, sessionId: 'session-1', errorCode: 'E1' }],
    [
      'tool + types + range',
      {
        toolName: 'tool-0',
        types: ['TOOL_REQUEST', 'TOOL_RESULT'],
        to: new Date(start + 7_200_000),
      },
    ],
    [
      'nothing matches',
      { agentId: 'agent-1', sessionId: 'session-0', workflowId: 'wf-0', types: ['ERROR'] },
    ],
  ];

  it.each(cases)('%s', async (name, filters) => {
    const expected = stored.filter((e) => matches(e, filters)).sort(newestFirst);
    expect(expected.length > 0).toBe(name !== 'nothing matches');
    const desc = await queries.listEvents(scope, filters, { limit: 500 });
    expect(desc.items.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    expect(desc.nextCursor).toBeNull();
    const asc = await queries.listEvents(scope, filters, { limit: 500, order: 'asc' });
    expect(asc.items.map((e) => e.id)).toEqual(expected.map((e) => e.id).reverse());
  });

  it('returns EventRecords as they were logged', async () => {
    const { items } = await queries.listEvents(scope, { types: ['TOOL_REQUEST'] }, { limit: 3 });
    expect(items).toHaveLength(3);
    for (const item of items) {
      const { payloadJson, ...original } = stored.find((e) => e.id === item.id)!;
      expect(item).toMatchObject(original);
      expect(JSON.parse(item.payloadJson)).toEqual(JSON.parse(payloadJson));
      expect(item.createdAt).toBeInstanceOf(Date);
    }
  });

  it('treats from as inclusive and to as exclusive', async () => {
    const at = new Date(start + 10 * 60_000);
    const exact = stored.filter(
      (e) => e.userId === 'user-a' && e.createdAt.getTime() === at.getTime(),
    );
    expect(exact.length).toBeGreaterThan(0);
    const from = await queries.listEvents(scope, { from: at, to: new Date(at.getTime() + 1) });
    expect(from.items.map((e) => e.id).sort()).toEqual(exact.map((e) => e.id).sort());
    expect((await queries.listEvents(scope, { from: at, to: at })).items).toEqual([]);
  });

  it('pages with offset as the cursor does, and says when there is no next page', async () => {
    const byCursor = await queries.listEvents(scope, {}, { limit: 40 });
    const second = await queries.listEvents(scope, {}, { limit: 40, cursor: byCursor.nextCursor! });
    const byOffset = await queries.listEvents(scope, {}, { limit: 40, offset: 40 });
    expect(byOffset.items.map((e) => e.id)).toEqual(second.items.map((e) => e.id));
    // A nextCursor from an offset page continues after it.
    const third = await queries.listEvents(scope, {}, { limit: 40, cursor: byOffset.nextCursor! });
    const expected = stored.filter((e) => matches(e, {})).sort(newestFirst);
    expect(third.items.map((e) => e.id)).toEqual(expected.slice(80, 120).map((e) => e.id));
    const last = await queries.listEvents(scope, {}, { offset: expected.length - 5 });
    expect(last.items).toHaveLength(5);
    expect(last.nextCursor).toBeNull();
  });
});
