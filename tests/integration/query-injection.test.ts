/**
 * SQL injection attempts in every string a read takes (scope, filters, types, aggregate) are
 * plain values: they match only rows that hold exactly that text, and the table survives.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type EventFilters, EventQueries, type QueryScope } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';

const db = useTestDatabase();

const ATTACKS = [
  "' OR '1'='1",
  "x' OR 1=1 --",
  "'; DROP TABLE eventrail.event_logs; --",
  "') OR true; --",
  '" OR ""="',
  '%',
  '_',
  '*',
  '\\',
  '$1',
  "user-a' UNION SELECT * FROM eventrail.event_logs --",
  'ünïcødé 🚀',
];

/** The one row whose every field is this exact attack text, to prove exact matches still work. */
const LITERAL = "x' OR 1=1 --";

describe('injection attempts', () => {
  let queries: EventQueries;
  const scope = { userId: 'user-a' };

  beforeAll(async () => {
    await insertEvents(db.pool, [
      ...Array.from({ length: 20 }, (_, i) => ({
        type: i % 2 ? 'ERROR' : 'TOOL_REQUEST',
        userId: i % 4 ? 'user-a' : 'user-b',
        projectId: 'p',
        tenantId: 't',
        sessionId: 's',
        agentId: 'agent',
        aggregateType: 'bom',
        aggregateId: 'bom-1',
        workflowId: 'wf',
        errorCode: 'E',
        toolName: 'tool',
      })),
      {
        type: LITERAL,
        userId: 'user-a',
        projectId: LITERAL,
        tenantId: LITERAL,
        sessionId: LITERAL,
        agentId: LITERAL,
        aggregateType: LITERAL,
        aggregateId: LITERAL,
        workflowId: LITERAL,
        errorCode: LITERAL,
        toolName: LITERAL,
      },
    ]);
    queries = new EventQueries({ db: db.pool });
  });

  const inFilters: [string, (v: string) => EventFilters][] = [
    ['types', (v) => ({ types: [v] })],
    ['types (second)', (v) => ({ types: ['TOOL_REQUEST_NONE', v] })],
    ['agentId', (v) => ({ agentId: v })],
    ['sessionId', (v) => ({ sessionId: v })],
    ['aggregate.type', (v) => ({ aggregate: { type: v, id: LITERAL } })],
    ['aggregate.id', (v) => ({ aggregate: { type: LITERAL, id: v } })],
    ['workflowId', (v) => ({ workflowId: v })],
    ['errorCode', (v) => ({ errorCode: v })],
    ['toolName', (v) => ({ toolName: v })],
  ];

  it.each(inFilters)('in filters.%s', async (_, filter) => {
    for (const attack of ATTACKS) {
      const expected = attack === LITERAL ? 1 : 0;
      const page = await queries.listEvents(scope, filter(attack));
      expect(page.items.map((e) => e.userId)).toEqual(Array(expected).fill('user-a'));
      const counts = await queries.countsByType(scope, filter(attack));
      expect(counts.reduce((n, c) => n + c.count, 0)).toBe(expected);
      expect((await queries.errorStats(scope, filter(attack))).total).toBe(expected);
    }
  });

  const inScope: [string, (v: string) => QueryScope][] = [
    ['userId', (v) => ({ userId: v })],
    ['projectId', (v) => ({ userId: 'user-a', projectId: v })],
    ['tenantId', (v) => ({ userId: 'user-a', tenantId: v })],
  ];

  it.each(inScope)('in scope.%s', async (field, scopeOf) => {
    for (const attack of ATTACKS) {
      const expected = attack === LITERAL && field !== 'userId' ? 1 : 0;
      expect((await queries.listEvents(scopeOf(attack))).items).toHaveLength(expected);
      expect((await queries.agentInteractions(scopeOf(attack))).length).toBe(0);
      const series = await queries.timeSeries(
        scopeOf(attack),
        { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000) },
        { bucket: 'hour' },
      );
      expect(series.reduce((n, p) => n + p.count, 0)).toBe(expected);
    }
  });

  it('refuses attacks in the time zone and bucket before any SQL', async () => {
    const range = { from: new Date(Date.now() - 60_000), to: new Date() };
    for (const attack of ATTACKS) {
      await expect(
        queries.timeSeries(scope, range, { bucket: 'hour', timeZone: attack }),
      ).rejects.toMatchObject({ field: 'series.timeZone' });
      await expect(
        queries.timeSeries(scope, range, { bucket: attack as 'hour' }),
      ).rejects.toMatchObject({ field: 'series.bucket' });
    }
  });

  it('leaves the table whole', async () => {
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM eventrail.event_logs');
    expect(rows[0].n).toBe(21);
  });
});
