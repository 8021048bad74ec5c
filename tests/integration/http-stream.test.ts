/**
 * Server-Sent Events over real HTTP on loopback, through Node's http server (toNodeListener)
 * and through Hono on @hono/node-server: same scoping as the list route, the cursor as `id:`,
 * resume with Last-Event-ID after a dropped connection, heartbeats, a clean end when the client
 * goes away or the server shuts down.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, EventsApi, toNodeListener } from '../../src/http/index.js';
import { EventQueries, EventStream } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { openSse, type SseClient } from '../helpers/sse.js';

const db = useTestDatabase();
const cursorSecret = 'a-stable-test-secret-of-32-chars!!';
const CALLERS: Record<string, Caller> = {
  alice: { userId: 'alice', projects: ['p1'] },
  bob: { userId: 'bob', projects: ['p2'] },
};

let stream: EventStream;
let api: EventsApi;
let server: Server;
let base = '';
let hono: ReturnType<typeof serve>;
let honoBase = '';

async function write(user: string, project: string, type: string, count = 1, session = 's1') {
  await db.pool.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id, project_id, session_id, payload)
     SELECT gen_random_uuid(), $1, $2, $3, $4, jsonb_build_object('n', n) FROM generate_series(1, $5) AS n`,
    [type, user, project, session, count],
  );
}

/**
 * Opens a stream and writes PRIME events until it receives one: it has started. Then one more,
 * in session `primed`, and waits for it: a PRIME written before it that the stream will deliver
 * comes first (stream order), so none arrives after this returns.
 */
async function opened(url: string, headers: Record<string, string>, user: string, project: string) {
  const client = await openSse(url, headers);
  while (client.events().length === 0) {
    await write(user, project, 'PRIME');
    await new Promise((r) => setTimeout(r, 50));
  }
  await write(user, project, 'PRIME', 1, 'primed');
  await waitFor(
    () => client.events().some((e) => e.data.sessionId === 'primed'),
    20_000,
    'the last PRIME',
  );
  return client;
}

const types = (client: SseClient) => client.events().map((e) => e.data.type);

beforeAll(async () => {
  stream = new EventStream({ db: db.pool, cursorSecret, pollIntervalMs: 100 });
  api = new EventsApi({
    queries: new EventQueries({ db: db.pool, cursorSecret }),
    stream,
    heartbeatMs: 100,
    retryMs: 500,
    resolveCaller: (request) => CALLERS[request.headers.get('x-user') ?? ''] ?? null,
  });
  server = createServer(toNodeListener(api));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/my/projects`;
  const app = new Hono();
  app.all('*', (c) => api.fetch(c.req.raw));
  await new Promise<void>((resolve) => {
    hono = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
      honoBase = `http://127.0.0.1:${info.port}/my/projects`;
      resolve();
    });
  });
});

afterAll(async () => {
  await api.close();
  await stream.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await new Promise((resolve) => hono.close(resolve));
});

describe('GET {base}/{projectId}/events/stream', () => {
  it('streams the scope as SSE: retry hint, heartbeats, id = cursor, data = a list item', async () => {
    const client = await opened(`${base}/p1/events/stream`, { 'x-user': 'alice' }, 'alice', 'p1');
    expect(client.status).toBe(200);
    expect(client.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(client.frames[0]?.retry).toBe(500);
    const primed = client.events().length;
    await write('bob', 'p2', 'BOBS');
    await write('alice', 'p2', 'OTHER_PROJECT');
    await write('alice', 'p1', 'MINE', 2);
    await waitFor(() => client.events().length === primed + 2);
    await waitFor(() => client.frames.some((f) => f.comments.includes('heartbeat')));
    expect(types(client).slice(primed)).toEqual(['MINE', 'MINE']);

    const list = await fetch(`${base}/p1/events?type=MINE&order=asc`, {
      headers: { 'x-user': 'alice' },
    }).then((r) => r.json() as Promise<{ items: unknown[] }>);
    expect(
      client
        .events()
        .slice(primed)
        .map((e) => e.data),
    ).toEqual(list.items);
    client.drop();
    await waitFor(() => stream.metrics().subscribers === 0, 5000, 'the subscription to end');
  });

  it('resumes from Last-Event-ID after a dropped connection, missing and repeating nothing', async () => {
    const first = await opened(
      `${base}/p1/events/stream?type=PRIME,STEP`,
      { 'x-user': 'alice' },
      'alice',
      'p1',
    );
    const primed = first.events().length;
    await write('alice', 'p1', 'STEP', 2);
    await waitFor(() => first.events().length === primed + 2);
    first.drop();
    await waitFor(() => stream.metrics().subscribers === 0, 5000, 'the subscription to end');
    await write('alice', 'p1', 'STEP', 3);
    await write('alice', 'p1', 'NOT_MATCHING');

    const last = first.events().at(-1)?.id as string;
    const second = await openSse(`${base}/p1/events/stream?type=PRIME,STEP`, {
      'x-user': 'alice',
      'last-event-id': last,
    });
    await waitFor(() => second.events().length === 3);
    await new Promise((r) => setTimeout(r, 200));
    // One statement wrote the three: one transaction, in id order.
    const ns = second.events().map((e) => (e.data.payload as { n: number }).n);
    expect(ns.sort()).toEqual([1, 2, 3]);
    const ids = [...first.events(), ...second.events()].map((e) => e.data.id);
    expect(new Set(ids).size).toBe(ids.length);

    // The same cursor through the `from` parameter.
    const third = await openSse(
      `${base}/p1/events/stream?type=PRIME,STEP&from=${encodeURIComponent(last)}`,
      { 'x-user': 'alice' },
    );
    await waitFor(() => third.events().length === 3);
    expect(third.events().map((e) => e.id)).toEqual(second.events().map((e) => e.id));
    second.drop();
    third.drop();
    await waitFor(() => stream.metrics().subscribers === 0, 5000, 'the subscriptions to end');
  });

  it('resumes a backlog of many write chunks through Node and Hono: each event once, in order', async () => {
    const first = await opened(
      `${base}/p1/events/stream?type=PRIME,BACKLOG`,
      { 'x-user': 'alice' },
      'alice',
      'p1',
    );
    const last = first.events().at(-1)?.id as string;
    first.drop();
    await waitFor(() => stream.metrics().subscribers === 0, 5000, 'the subscription to end');
    // ~1 MB of frames: history reads of 500 events, each sent in several chunks of 64 KiB.
    await write('alice', 'p1', 'BACKLOG', 1500);
    const { rows } = await db.pool.query<{ id: string }>(
      `SELECT id FROM eventrail.event_logs WHERE event_type = 'BACKLOG' ORDER BY tx_id, id`,
    );
    for (const url of [base, honoBase]) {
      const client = await openSse(`${url}/p1/events/stream?type=PRIME,BACKLOG`, {
        'x-user': 'alice',
        'last-event-id': last,
      });
      await waitFor(() => client.events().length >= 1500, 20_000, 'the backlog');
      expect(client.events().map((e) => e.data.id)).toEqual(rows.map((r) => r.id));
      client.drop();
      await waitFor(() => stream.metrics().subscribers === 0, 5000, 'the subscription to end');
    }
  });

  it('answers 404 for a foreign project and 400 for a cursor of another scope', async () => {
    expect(
      (await fetch(`${base}/p2/events/stream`, { headers: { 'x-user': 'alice' } })).status,
    ).toBe(404);
    expect((await fetch(`${base}/p1/events/stream`)).status).toBe(401);
    const alice = await opened(`${base}/p1/events/stream`, { 'x-user': 'alice' }, 'alice', 'p1');
    const cursor = alice.events()[0]?.id as string;
    alice.drop();
    await waitFor(() => stream.metrics().subscribers === 0, 5000, 'the subscription to end');
    const foreign = await fetch(`${base}/p2/events/stream`, {
      headers: { 'x-user': 'bob', 'last-event-id': cursor },
    });
    expect(foreign.status).toBe(400);
    expect(((await foreign.json()) as { error: { field: string } }).error.field).toBe(
      'Last-Event-ID',
    );
    const paging = await fetch(`${base}/p1/events/stream?limit=5`, {
      headers: { 'x-user': 'alice' },
    });
    expect(paging.status).toBe(400);
  });

  it('ends open streams cleanly on api.close(), then answers 503', async () => {
    const closing = new EventsApi({
      queries: new EventQueries({ db: db.pool, cursorSecret }),
      stream,
      resolveCaller: () => CALLERS.alice ?? null,
    });
    const local = createServer(toNodeListener(closing));
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(local.address() as AddressInfo).port}/my/projects/p1/events/stream`;
    try {
      const client = await opened(url, {}, 'alice', 'p1');
      expect(await closing.close()).toEqual({ timedOut: false, ended: 1 });
      await client.ended;
      expect((await fetch(url)).status).toBe(503);
      await waitFor(() => stream.metrics().subscribers === 0, 5000, 'the subscription to end');
    } finally {
      await new Promise((resolve) => local.close(resolve));
    }
  });

  it('works through Hono on a fetch-style host, and ends when the client goes away', async () => {
    const client = await opened(
      `${honoBase}/p1/events/stream`,
      { 'x-user': 'alice' },
      'alice',
      'p1',
    );
    const primed = client.events().length;
    await write('alice', 'p1', 'VIA_HONO', 2);
    await waitFor(() => client.events().length === primed + 2);
    expect(types(client).slice(primed)).toEqual(['VIA_HONO', 'VIA_HONO']);
    expect(stream.metrics().subscribers).toBe(1);
    client.drop();
    await waitFor(() => stream.metrics().subscribers === 0, 5000, 'the subscription to end');
  });
});

describe('GET {base}/{projectId}/analytics/sessions/{sessionId}/events', () => {
  it('answers exactly as GET {base}/{projectId}/events/{sessionId}', async () => {
    await write('alice', 'p1', 'IN_SESSION', 3, 'chat-9');
    const headers = { 'x-user': 'alice' };
    for (const query of ['', '?limit=2&order=asc', '?type=IN_SESSION', '?sessionId=x']) {
      const a = await fetch(`${base}/p1/events/chat-9${query}`, { headers });
      const b = await fetch(`${base}/p1/analytics/sessions/chat-9/events${query}`, { headers });
      expect(b.status).toBe(a.status);
      expect(await b.text()).toEqual(await a.text());
    }
    expect((await fetch(`${base}/p2/analytics/sessions/chat-9/events`, { headers })).status).toBe(
      404,
    );
  });
});
