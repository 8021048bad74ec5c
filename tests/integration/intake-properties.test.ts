/**
 * Property tests against Postgres (fast-check): events with JSON-ish payloads and hostile
 * fields are either refused with a ValidationError or stored so that the row read back equals
 * the snapshot taken at intake, and no batch is ever poisoned (nothing reaches the fallback).
 * The query module and the HTTP API, fed arbitrary filters, scopes, cursors and query strings,
 * answer a ValidationError (400) or rows of the scope only; never another error, never a 500.
 * Each property counts its runs.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventsApi } from '../../src/http/index.js';
import { EventLogger, type EventRecord, MemorySink, ValidationError } from '../../src/index.js';
import { EventQueries, PostgresSink } from '../../src/postgres/index.js';
import { anyValue, jsonishPayload, nastyString } from '../helpers/arbitraries.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';

const db = useTestDatabase();
const RUNS = 150;
const SECRET = 'a-stable-test-secret-of-32-chars!!';

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
/** Mostly a string Postgres stores, sometimes one it refuses. */
const field = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: 'binary', maxLength: 10 }) },
  { weight: 1, arbitrary: nastyString(10) },
);

const eventArb = fc.record({
  type: fc.oneof(field, fc.constantFrom('TOOL_REQUEST', 'ERROR', 'APPROVAL_X')),
  userId: field,
  projectId: optional(field),
  sessionId: optional(field),
  aggregateId: optional(field),
  id: optional(fc.oneof(fc.uuid(), nastyString(36))),
  occurredAt: optional(
    fc.oneof(fc.date(), fc.integer({ min: -8.64e15, max: 8.64e15 }), nastyString(24)),
  ),
  priority: optional(fc.oneof(fc.integer({ min: -5, max: 300 }), fc.double())),
  payload: fc.oneof(
    { weight: 3, arbitrary: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 }) },
    { weight: 1, arbitrary: jsonishPayload },
  ),
});

interface StoredRow {
  id: string;
  type: string;
  userId: string;
  projectId: string | null;
  sessionId: string | null;
  aggregateId: string | null;
  priority: number | null;
  payload: string;
  occurredMs: number;
}

describe('events through the logger into Postgres', () => {
  it('are refused with a ValidationError or read back exactly as snapshotted', async () => {
    const snapshot = new MemorySink({ name: 'snapshot' });
    const fallback = new MemorySink({ name: 'fallback' });
    const errors: unknown[] = [];
    const logger = new EventLogger({
      sinks: [new PostgresSink({ db: db.pool }), snapshot],
      fallback,
    });
    logger.on('error', (error) => errors.push(error));
    const seen = { runs: 0, accepted: 0, refused: 0 };
    const ids = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 8 }), async (events) => {
        seen.runs += 1;
        for (const event of events) {
          try {
            const id = await logger.logEvent(event);
            // A caller's id may repeat across runs: the first row stays (idempotent insert).
            if (!ids.has(id)) seen.accepted += 1;
            ids.add(id);
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            seen.refused += 1;
          }
        }
      }),
      { numRuns: RUNS },
    );
    await logger.close();
    expect(seen.runs).toBe(RUNS);
    expect(seen.accepted).toBeGreaterThan(RUNS / 4);
    expect(seen.refused).toBeGreaterThan(RUNS / 4);
    expect(errors).toEqual([]);
    expect(fallback.events).toEqual([]); // no batch poisoned, no row isolated
    const { rows } = await db.pool.query<StoredRow>(
      `SELECT id, event_type AS type, user_id AS "userId", project_id AS "projectId",
              session_id AS "sessionId", aggregate_id AS "aggregateId", priority,
              payload::text AS payload,
              (extract(epoch FROM occurred_at) * 1000)::float8 AS "occurredMs"
         FROM eventrail.event_logs`,
    );
    expect(rows).toHaveLength(ids.size);
    const first = new Map<string, EventRecord>();
    for (const record of snapshot.events) if (!first.has(record.id)) first.set(record.id, record);
    for (const row of rows) {
      const record = first.get(row.id) as EventRecord;
      expect({
        ...row,
        payload: JSON.parse(row.payload),
        occurredMs: Math.round(row.occurredMs),
      }).toEqual({
        id: record.id,
        type: record.type,
        userId: record.userId,
        projectId: record.projectId,
        sessionId: record.sessionId,
        aggregateId: record.aggregateId,
        priority: record.priority,
        payload: JSON.parse(record.payloadJson),
        occurredMs: record.occurredAt.getTime(),
      });
    }
  });
});

describe('reads with arbitrary input', () => {
  const USERS = ['alice', 'bob'];

  beforeAll(async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
    const start = Date.now() - 3_600_000;
    await insertEvents(
      db.pool,
      Array.from({ length: 60 }, (_, i) => ({
        type: ['TOOL_REQUEST', 'ERROR', 'AGENT_SWITCHED'][i % 3] as string,
        userId: USERS[i % 2] as string,
        projectId: `p${i % 3}`,
        sessionId: `s${i % 4}`,
        agentId: `agent-${i % 2}`,
        createdAt: new Date(start + i * 1000),
      })),
    );
  });

  afterAll(async () => {
    await db.pool.query('TRUNCATE eventrail.event_logs');
  });

  const text = fc.oneof(nastyString(12), fc.constantFrom('alice', 'bob', 'p1', 's1', 'agent-1'));
  const loose = fc.oneof(text, anyValue);
  const filtersArb = fc.record(
    {
      types: fc.oneof(fc.array(text, { maxLength: 3 }), loose),
      agentId: loose,
      sessionId: loose,
      workflowId: loose,
      errorCode: loose,
      errorsOnly: fc.oneof(fc.boolean(), loose),
      aggregate: fc.oneof(fc.record({ type: loose, id: loose }), loose),
      from: fc.oneof(fc.date(), loose),
      to: fc.oneof(fc.date(), loose),
    },
    { requiredKeys: [] },
  );

  it('the query module answers rows of the scope only, or a ValidationError', async () => {
    const queries = new EventQueries({ db: db.pool, cursorSecret: SECRET });
    // A real cursor of another read, to replay on every other scope and filter.
    const foreign = (await queries.listEvents({ userId: 'bob' }, {}, { limit: 2 })).nextCursor;
    const seen = { runs: 0, rows: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          scope: fc.oneof(
            fc.record({ userId: text, projectId: optional(text) }),
            fc.record({ userId: fc.constantFrom('alice', 'bob'), projectId: optional(loose) }),
            loose,
          ),
          filters: fc.oneof(fc.constant({}), filtersArb, loose),
          page: fc.oneof(
            fc.constant({}),
            fc.record(
              {
                limit: fc.oneof(fc.integer({ min: -5, max: 1000 }), loose),
                offset: fc.oneof(fc.integer({ min: -5, max: 100 }), loose),
                order: fc.oneof(fc.constantFrom('asc', 'desc'), loose),
                cursor: fc.oneof(fc.constant(foreign), nastyString(80), loose),
              },
              { requiredKeys: [] },
            ),
          ),
        }),
        async ({ scope, filters, page }) => {
          seen.runs += 1;
          try {
            const result = await queries.listEvents(
              scope as never,
              filters as never,
              page as never,
            );
            const s = scope as { userId: string; projectId?: string };
            for (const item of result.items) {
              expect(item.userId).toBe(s.userId);
              if (s.projectId !== undefined) expect(item.projectId).toBe(s.projectId);
            }
            seen.rows += result.items.length;
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error;
            seen.refused += 1;
          }
        },
      ),
      { numRuns: RUNS * 2 },
    );
    expect(seen.runs).toBe(RUNS * 2);
    expect(seen.rows).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('the HTTP API answers 200 with the caller’s rows or 400, never a 500', async () => {
    const unexpected: unknown[] = [];
    const api = new EventsApi({
      queries: new EventQueries({ db: db.pool, cursorSecret: SECRET }),
      resolveCaller: (request) => {
        const user = request.headers.get('x-user') ?? '';
        return USERS.includes(user) ? { userId: user, projects: ['p0', 'p1', 'p2'] } : null;
      },
    });
    api.on('error', (error) => unexpected.push(error));
    const NAMES = [
      'type',
      'agentId',
      'sessionId',
      'aggregateType',
      'aggregateId',
      'errorsOnly',
      'from',
      'to',
      'limit',
      'offset',
      'cursor',
      'order',
      'bucket',
      'timeZone',
    ];
    const value = fc.oneof(
      nastyString(16),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('hour', 'day', 'UTC', 'US/Pacific-New', 'Europe/Kyiv', 'true', '10', '-1'),
    );
    const statuses: Record<number, number> = {};
    let examined = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('alice', 'bob'),
        fc.constantFrom('p0', 'p1', 'p2'),
        fc.constantFrom('events', 'analytics', 'events/s1'),
        fc.array(fc.tuple(fc.oneof(fc.constantFrom(...NAMES), nastyString(6)), value), {
          maxLength: 4,
        }),
        async (user, project, route, params) => {
          const query = new URLSearchParams(params);
          const url = `http://api.test/my/projects/${project}/${route}?${query}`;
          const response = await api.fetch(new Request(url, { headers: { 'x-user': user } }));
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          expect([200, 400]).toContain(response.status);
          const body = (await response.json()) as {
            items?: { userId: string; projectId: string }[];
          };
          // Items come exactly with a list route's 200; each is the caller's, in the project asked.
          expect(Array.isArray(body.items)).toBe(response.status === 200 && route !== 'analytics');
          for (const item of body.items ?? []) {
            expect({ userId: item.userId, projectId: item.projectId }).toEqual({
              userId: user,
              projectId: project,
            });
          }
          examined += body.items?.length ?? 0;
        },
      ),
      { numRuns: RUNS * 2 },
    );
    expect(unexpected).toEqual([]);
    expect(Object.values(statuses).reduce((a, b) => a + b, 0)).toBe(RUNS * 2);
    expect(statuses[200]).toBeGreaterThan(0);
    expect(statuses[400]).toBeGreaterThan(0);
    expect(examined).toBeGreaterThan(0);
  });
});
