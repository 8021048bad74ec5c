/**
 * On 100k rows, EXPLAIN shows every read of the query module served by an index of event_logs,
 * never a sequential scan of it. The statements explained are the ones the query object sends
 * (recorded on their way to the pool), with their parameters.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EventQueries } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { generateEvents } from '../helpers/events.js';
import { explain } from '../helpers/plans.js';

const db = useTestDatabase();
const end = new Date();

/**
 * The events a read's result stands for: a page's items (every one user-42's), the errors
 * counted, or the counts (or entries) of a list.
 */
function found(result: unknown): number {
  if (Array.isArray(result)) {
    return result.reduce((n: number, entry: { count?: number }) => n + (entry.count ?? 1), 0);
  }
  const { items, total } = result as { items?: { userId: string }[]; total?: number };
  if (items === undefined) return total ?? 0;
  expect(items.filter((item) => item.userId !== 'user-42')).toEqual([]);
  return items.length;
}

describe('index usage on 100k rows', () => {
  const sent: { text: string; params: unknown[] }[] = [];
  const recorder = {
    query(text: string, params: unknown[] = []) {
      sent.push({ text, params });
      return db.pool.query(text, params);
    },
  };
  const queries = new EventQueries({ db: recorder });
  const user = { userId: 'user-42' };
  const day = 86_400_000;
  /** The relations that hold rows: the default partition and today's. */
  const holding = new Set<string>();

  beforeAll(async () => {
    await generateEvents(db.pool, { count: 100_000, users: 100, end });
    await db.pool.query('VACUUM ANALYZE eventrail.event_logs');
    const { rows } = await db.pool.query<{ relation: string }>(
      'SELECT DISTINCT tableoid::regclass::text AS relation FROM eventrail.event_logs',
    );
    for (const { relation } of rows) holding.add(relation.replace(/^eventrail\./, ''));
    // The rows are spread over the default partition (before the migration's first day) and today's.
    expect(holding.size).toBeGreaterThanOrEqual(2);
  }, 120_000);

  /** The reads of the module, each with the indexes it may be served by. */
  const reads: [string, () => Promise<unknown>, string[]?][] = [
    ['list, scope only', () => queries.listEvents(user), ['event_logs_user_created_idx']],
    ['list, oldest first', () => queries.listEvents(user, {}, { order: 'asc' })],
    ['list, project scope', () => queries.listEvents({ ...user, projectId: 'project-0' })],
    ['list, tenant scope', () => queries.listEvents({ ...user, tenantId: 'tenant-0' })],
    ['list, types', () => queries.listEvents(user, { types: ['ERROR', 'TOOL_REQUEST'] })],
    ['list, agent', () => queries.listEvents(user, { agentId: 'agent-3' })],
    ['list, session', () => queries.listEvents(user, { sessionId: 'session-42' })],
    [
      'list, aggregate',
      () => queries.listEvents(user, { aggregate: { type: 'bom', id: 'bom-42' } }),
    ],
    ['list, workflow', () => queries.listEvents(user, { workflowId: 'wf-42' })],
    ['list, error code', () => queries.listEvents(user, { errorCode: 'E2' })],
    ['list, tool', () => queries.listEvents(user, { toolName: 'tool-2' })],
    ['list, errors only', () => queries.listEvents(user, { errorsOnly: true })],
    [
      'list, time range',
      () => queries.listEvents(user, { from: new Date(end.getTime() - day / 4), to: end }),
    ],
    ['list, offset page 10', () => queries.listEvents(user, {}, { offset: 450 })],
    [
      'list, keyset page 10',
      async () => {
        let page = await queries.listEvents(user, {}, { limit: 450 });
        page = await queries.listEvents(user, {}, { limit: 50, cursor: page.nextCursor! });
        return page;
      },
    ],
    [
      'sessionEvents',
      () => queries.sessionEvents(user, 'session-42'),
      ['event_logs_session_created_idx'],
    ],
    [
      'aggregateEvents',
      () => queries.aggregateEvents(user, { type: 'bom', id: 'bom-42' }),
      ['event_logs_aggregate_created_idx'],
    ],
    [
      'workflowEvents',
      () => queries.workflowEvents(user, 'wf-42'),
      ['event_logs_workflow_created_idx'],
    ],
    ['recentErrors', () => queries.recentErrors({ ...user, tenantId: 'tenant-0' })],
    ['countsByType', () => queries.countsByType(user)],
    [
      'countsByType, range',
      () => queries.countsByType(user, { from: new Date(end.getTime() - day) }),
    ],
    ['sessions, project scope', () => queries.sessions({ ...user, projectId: 'project-0' })],
    ['aggregates, project scope', () => queries.aggregates({ ...user, projectId: 'project-0' })],
    ['agentInteractions', () => queries.agentInteractions(user)],
    ['errorStats', () => queries.errorStats(user)],
    [
      'timeSeries',
      () =>
        queries.timeSeries(
          user,
          { from: new Date(end.getTime() - day), to: end },
          { bucket: 'hour' },
        ),
    ],
  ];

  it.each(reads)('%s', async (_, read, expected) => {
    sent.length = 0;
    // The read found user-42's rows: its plan is that of a statement that matches some.
    expect(found(await read())).toBeGreaterThan(0);
    // An aggregate first asks whether the rollups are built (a statement on `rollups` alone);
    // with none, it reads event_logs: every statement that does must use its indexes.
    const reading = sent.filter((statement) => statement.text.includes('event_logs'));
    expect(reading.length).toBeGreaterThan(0);
    for (const statement of reading) {
      const plan = await explain(db.pool, 'event_logs', statement.text, statement.params);
      expect(plan.scans.length).toBeGreaterThan(0);
      // The partitions made ahead are empty, and the planner reads an empty table by a Seq Scan
      // that costs nothing; every relation holding rows must be read through an index.
      expect(plan.seqScanned.filter((relation) => holding.has(relation))).toEqual([]);
      expect(plan.indexes.length).toBeGreaterThan(0);
      if (expected) expect(plan.indexes).toEqual(expect.arrayContaining(expected));
    }
  });
});
