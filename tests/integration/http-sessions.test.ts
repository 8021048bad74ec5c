/**
 * The summary routes the timeline page lists its sessions and business objects with, over real
 * HTTP: scoped exactly like the list route, filtered like it, refusing its paging parameters.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventsApi, toNodeListener } from '../../src/http/index.js';
import { EventQueries } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';

const db = useTestDatabase();
let server: Server;
let base = '';
const t0 = new Date('2026-11-20T10:00:00Z').getTime();

interface Body {
  items: Record<string, unknown>[];
  error: { field: string };
}

async function get(path: string, user = 'alice') {
  const response = await fetch(`${base}${path}`, { headers: { 'x-user': user } });
  return { status: response.status, body: (await response.json()) as Body };
}

beforeAll(async () => {
  const at = (s: number) => new Date(t0 + s * 1000);
  await insertEvents(db.pool, [
    {
      type: 'AGENT_SWITCHED',
      userId: 'alice',
      projectId: 'p1',
      sessionId: 's1',
      agentId: 'b',
      createdAt: at(0),
    },
    {
      type: 'ERROR',
      userId: 'alice',
      projectId: 'p1',
      sessionId: 's1',
      agentId: 'a',
      payload: { error_code: 'E' },
      createdAt: at(5),
    },
    { type: 'TOOL_REQUEST', userId: 'alice', projectId: 'p1', sessionId: 's2', createdAt: at(10) },
    {
      type: 'stage_started',
      userId: 'alice',
      projectId: 'p1',
      aggregateType: 'bom',
      aggregateId: 'bom-1',
      createdAt: at(3),
    },
    // Alice's user id in Bob's project, and Bob's own event: never in Alice's p1 summaries.
    { type: 'SECRET', userId: 'alice', projectId: 'p3', sessionId: 's9', createdAt: at(20) },
    { type: 'SECRET', userId: 'bob', projectId: 'p1', sessionId: 's1', createdAt: at(30) },
  ]);
  const api = new EventsApi({
    queries: new EventQueries({ db: db.pool }),
    resolveCaller: (request) =>
      request.headers.get('x-user') === 'alice' ? { userId: 'alice', projects: ['p1'] } : null,
  });
  server = createServer(toNodeListener(api));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/my/projects`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe('GET {base}/{projectId}/sessions and /aggregates', () => {
  it("lists the project's sessions, most recently active first, with times, counts and agents", async () => {
    const { status, body } = await get('/p1/sessions');
    expect(status).toBe(200);
    expect(body.items).toEqual([
      {
        sessionId: 's2',
        firstAt: new Date(t0 + 10_000).toISOString(),
        lastAt: new Date(t0 + 10_000).toISOString(),
        events: 1,
        errors: 0,
        agentCount: 0,
        agents: [],
      },
      {
        sessionId: 's1',
        firstAt: new Date(t0).toISOString(),
        lastAt: new Date(t0 + 5_000).toISOString(),
        events: 2,
        errors: 1,
        agentCount: 2,
        agents: ['a', 'b'],
      },
    ]);
  });

  it('takes the list filters and limit, and lists business objects the same way', async () => {
    expect((await get('/p1/sessions?errorsOnly=true')).body.items.map((s) => s.sessionId)).toEqual([
      's1',
    ]);
    expect((await get('/p1/sessions?limit=1')).body.items).toHaveLength(1);
    const { body } = await get('/p1/aggregates');
    expect(body.items).toMatchObject([{ aggregateType: 'bom', aggregateId: 'bom-1', events: 1 }]);
  });

  it('answers 404 for a project the caller may not read, 401 without a caller, 400 for paging', async () => {
    expect((await get('/p3/sessions')).status).toBe(404);
    expect((await get('/p1/aggregates', 'nobody')).status).toBe(401);
    const refused = await get('/p1/sessions?cursor=x');
    expect(refused.status).toBe(400);
    expect(refused.body.error.field).toBe('cursor');
    expect((await get('/p1/sessions?limit=100000')).body.error.field).toBe('limit');
  });

  it('serves no timeline page unless asked to', async () => {
    const response = await fetch(`${base}/p1/timeline`, { headers: { 'x-user': 'alice' } });
    expect(response.status).toBe(404);
    expect(
      () =>
        new EventsApi({
          queries: new EventQueries({ db: db.pool }),
          resolveCaller: () => null,
          timeline: 'events',
        }),
    ).toThrow(/options\.timeline/);
  });
});
