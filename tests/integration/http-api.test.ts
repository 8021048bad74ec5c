/**
 * The HTTP read API over real HTTP on loopback: Node's http server, the fetch handler, the query
 * module and Postgres. A header stands in for the host's authentication.
 */
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, EventsApi, EventsApiError, toNodeListener } from '../../src/http/index.js';
import { EventLogger } from '../../src/index.js';
import { EventQueries, PostgresSink } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';

const db = useTestDatabase();

const CALLERS: Record<string, Caller> = {
  alice: { userId: 'alice', projects: ['p1', 'p2'] },
  bob: { userId: 'bob', projects: async (id) => id === 'p3' },
};

let server: Server;
let base = '';

async function get(path: string, user?: string, method = 'GET') {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: user ? { 'x-user': user } : {},
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? JSON.parse(text) : undefined,
  };
}

beforeAll(async () => {
  const logger = new EventLogger({ sinks: [new PostgresSink({ db: db.pool })], fallback: null });
  const start = Date.now() - 3_600_000;
  for (let i = 0; i < 130; i++) {
    await logger.logEvent({
      type: ['TOOL_REQUEST', 'AGENT_SWITCHED', 'ERROR'][i % 3] as string,
      userId: 'alice',
      projectId: 'p1',
      sessionId: `s${i % 2}`,
      agentId: `agent-${i % 4}`,
      payload: i % 3 === 2 ? { error_code: 'E1', i } : { tool_name: 'search', i },
      occurredAt: start + i * 1000,
    });
  }
  await logger.logEvents([
    { type: 'TOOL_REQUEST', userId: 'alice', projectId: 'p2', payload: {} },
    { type: 'TOOL_REQUEST', userId: 'bob', projectId: 'p3', payload: {} },
    // Alice's user id in Bob's project: never visible to Alice through p3, nor to Bob.
    { type: 'SECRET', userId: 'alice', projectId: 'p3', payload: {} },
  ]);
  await logger.close();
  const api = new EventsApi({
    queries: new EventQueries({ db: db.pool, cursorSecret: 'a-stable-test-secret-of-32-chars!!' }),
    resolveCaller: (request) => CALLERS[request.headers.get('x-user') ?? ''] ?? null,
  });
  server = createServer(toNodeListener(api));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe('GET /my/projects/{id}/events', () => {
  it('pages through every event of the project with cursors, newest first, without a repeat', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const { status, body } = await get(`/my/projects/p1/events?limit=40${query}`, 'alice');
      expect(status).toBe(200);
      seen.push(...body.items.map((e: { id: string }) => e.id));
      cursor = body.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(4);
    expect(new Set(seen).size).toBe(130);
    const { body } = await get('/my/projects/p1/events?limit=2', 'alice');
    expect(body.items[0]).toMatchObject({ userId: 'alice', projectId: 'p1', payload: { i: 129 } });
    expect(typeof body.items[0].createdAt).toBe('string');
  });

  it('applies filters', async () => {
    const { body } = await get(
      '/my/projects/p1/events?type=ERROR&agentId=agent-2&limit=500',
      'alice',
    );
    const expected = Array.from({ length: 130 }, (_, i) => i).filter(
      (i) => i % 3 === 2 && i % 4 === 2,
    );
    expect(
      body.items
        .map((e: { payload: { i: number } }) => e.payload.i)
        .sort((a: number, b: number) => a - b),
    ).toEqual(expected);
    const both = await get(
      '/my/projects/p1/events?type=ERROR,AGENT_SWITCHED&order=asc&limit=5',
      'alice',
    );
    expect(both.body.items.map((e: { type: string }) => e.type)).toEqual([
      'AGENT_SWITCHED',
      'ERROR',
      'AGENT_SWITCHED',
      'ERROR',
      'AGENT_SWITCHED',
    ]);
  });

  it('answers 404 for a project the caller may not read, exactly as for one that does not exist', async () => {
    const foreign = await get('/my/projects/p3/events', 'alice');
    const missing = await get('/my/projects/nope/events', 'alice');
    expect(foreign).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(foreign.body);
    const bobs = await get('/my/projects/p3/events', 'bob');
    expect(
      bobs.body.items.map((e: { type: string; userId: string }) => [e.type, e.userId]),
    ).toEqual([['TOOL_REQUEST', 'bob']]);
  });

  it('takes ISO 8601 dates and date-times with an offset', async () => {
    for (const from of ['2026-11-23', '2026-11-23T10:00:00Z', '2026-11-23T13:00:00.5%2B03:00']) {
      const { status } = await get(`/my/projects/p1/events?from=${from}`, 'alice');
      expect({ from, status }).toEqual({ from, status: 200 });
    }
  });

  it('answers 400 naming the parameter when one is bad', async () => {
    const cases: [string, string][] = [
      ['limit=1000', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=0', 'limit'],
      ['from=yesterday', 'from'],
      ['from=1', 'from'], // Date would read 2001-01-01
      ['to=March%207%2C%202024', 'to'], // Date would read it in the server's time zone
      ['from=2026-11-23T10%3A00%3A00', 'from'], // no offset: the server's time zone again
      ['from=2026-13-01', 'from'],
      ['from=2026-02-30', 'from'], // Date would read March 2
      ['to=2026-11-23T23%3A30%3A00-25%3A00', 'to'],
      ['order=sideways', 'order'],
      ['cursor=forged', 'cursor'],
      ['offset=10&cursor=x', 'offset'],
      ['aggregateType=bom', 'aggregateId'],
      ['colour=red', 'colour'],
      ['agentId=a&agentId=b', 'agentId'],
    ];
    for (const [query, field] of cases) {
      const { status, body } = await get(`/my/projects/p1/events?${query}`, 'alice');
      expect({ query, status, field: body.error.field }).toEqual({ query, status: 400, field });
    }
  });

  it('answers 401 without a caller, 405 for other methods and 404 for unknown routes', async () => {
    expect((await get('/my/projects/p1/events')).status).toBe(401);
    const post = await get('/my/projects/p1/events', 'alice', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await get('/my/projects/p1/things', 'alice')).status).toBe(404);
    expect((await get('/elsewhere', 'alice')).status).toBe(404);
  });
});

describe('GET /my/projects/{id}/events/{sessionId}', () => {
  it("lists one session's events and refuses a sessionId parameter", async () => {
    const { status, body } = await get('/my/projects/p1/events/s1?limit=500', 'alice');
    expect(status).toBe(200);
    expect(body.items).toHaveLength(65);
    expect(body.items.every((e: { sessionId: string }) => e.sessionId === 's1')).toBe(true);
    expect((await get('/my/projects/p1/events/s1?sessionId=s0', 'alice')).status).toBe(400);
  });
});

describe('GET /my/projects/{id}/analytics', () => {
  it('returns counts by type, agent interactions, error statistics and a time series', async () => {
    const from = new Date(Date.now() - 7_200_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const { status, body } = await get(
      `/my/projects/p1/analytics?from=${from}&to=${to}&bucket=hour`,
      'alice',
    );
    expect(status).toBe(200);
    const counts = Object.fromEntries(
      body.countsByType.map((c: { type: string; count: number }) => [c.type, c.count]),
    );
    expect(counts).toEqual({ TOOL_REQUEST: 44, AGENT_SWITCHED: 43, ERROR: 43 });
    expect(body.errorStats.total).toBe(43);
    expect(body.agentInteractions.length).toBeGreaterThan(0);
    expect(body.timeSeries.reduce((n: number, p: { count: number }) => n + p.count, 0)).toBe(130);
    const noSeries = await get('/my/projects/p1/analytics', 'alice');
    expect(noSeries.body.timeSeries).toBeUndefined();
    expect((await get('/my/projects/p1/analytics?bucket=hour', 'alice')).body.error.field).toBe(
      'bucket',
    );
    expect((await get('/my/projects/p3/analytics', 'alice')).status).toBe(404);
  });

  it('names the query parameter of a bad time series, and refuses a stray timeZone', async () => {
    const from = new Date(Date.now() - 7_200_000).toISOString();
    const to = new Date().toISOString();
    const series = `/my/projects/p1/analytics?from=${from}&to=${to}&bucket=hour`;
    const zone = await get(`${series}&timeZone=Not%2FA_Zone`, 'alice');
    expect({ status: zone.status, field: zone.body.error.field }).toEqual({
      status: 400,
      field: 'timeZone',
    });
    // Node knows this zone, the database does not: still the caller's mistake, not a 500.
    const unknownToPostgres = await get(`${series}&timeZone=US%2FPacific-New`, 'alice');
    expect({ status: unknownToPostgres.status, field: unknownToPostgres.body.error.field }).toEqual(
      {
        status: 400,
        field: 'timeZone',
      },
    );
    const stray = await get('/my/projects/p1/analytics?timeZone=UTC', 'alice');
    expect({ status: stray.status, field: stray.body.error.field }).toEqual({
      status: 400,
      field: 'timeZone',
    });
  });
});

describe('the host side', () => {
  it('answers 500 with an error event, not 400, when resolveCaller returns an invalid caller', async () => {
    const errors: EventsApiError[] = [];
    const api = new EventsApi({
      queries: new EventQueries({ db: db.pool }),
      resolveCaller: () => ({ userId: '', projects: ['p1'] }),
    });
    api.on('error', (error) => errors.push(error));
    const response = await api.fetch(new Request('http://localhost/my/projects/p1/events'));
    expect(response.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(EventsApiError);
    expect(errors[0]).toMatchObject({ code: 'API_ROUTE_FAILED', path: '/my/projects/p1/events' });
    expect(errors[0]?.cause).toMatchObject({ message: expect.stringMatching(/not a valid scope/) });
  });

  it('answers 400 to a request Node takes but Request cannot represent, and keeps serving', async () => {
    const { port } = server.address() as AddressInfo;
    const status = await new Promise<number>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          'GET /my/projects/p1/events HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n',
        );
      });
      let reply = '';
      socket.on('data', (chunk) => {
        reply += chunk;
      });
      socket.on('end', () => resolve(Number(reply.split(' ')[1])));
      socket.on('error', reject);
    });
    expect(status).toBe(400);
    expect((await get('/my/projects/p1/events?limit=1', 'alice')).status).toBe(200);
  });
});
