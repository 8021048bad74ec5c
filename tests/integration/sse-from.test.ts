/**
 * Where an SSE stream starts: `?from=start|now|<ISO time>|<cursor>` (the `Last-Event-ID` header
 * wins), `event: caught-up` once the history is sent, `event: end` with `CURSOR_EXPIRED` and the
 * oldest time kept when the position is older than what retention kept, and 400 naming `from`
 * for a bad one.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, EventsApi, toNodeListener } from '../../src/http/index.js';
import { EventQueries, EventStream, maintain } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { insertEvents } from '../helpers/events.js';
import { waitFor } from '../helpers/outbox.js';
import { DAY, TODAY } from '../helpers/partitions.js';
import { openSse, type SseClient } from '../helpers/sse.js';

const db = useTestDatabase();
const cursorSecret = 'a-stable-test-secret-of-32-chars!!';
const CALLERS: Record<string, Caller> = { alice: { userId: 'alice', projects: ['p1'] } };
const alice = { 'x-user': 'alice' };

let stream: EventStream;
let api: EventsApi;
let server: Server;
let base = '';

beforeAll(async () => {
  stream = new EventStream({ db: db.pool, cursorSecret, readSize: 3 });
  api = new EventsApi({
    queries: new EventQueries({ db: db.pool, cursorSecret }),
    stream,
    heartbeatMs: 1000,
    retryMs: 500,
    resolveCaller: (request) => CALLERS[request.headers.get('x-user') ?? ''] ?? null,
  });
  server = createServer(toNodeListener(api));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/my/projects/p1/events/stream`;
});

afterAll(async () => {
  await api.close();
  await stream.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Ids of alice's p1 events of `type`, in commit order. */
async function stored(type: string): Promise<string[]> {
  const { rows } = await db.pool.query<{ id: string }>(
    `SELECT id::text FROM eventrail.event_logs WHERE user_id = 'alice' AND project_id = 'p1'
       AND event_type = $1 ORDER BY tx_id, id`,
    [type],
  );
  return rows.map((r) => r.id);
}

/** The frames' events (by id) and markers (by kind), in the order sent. */
const sequence = (client: SseClient) =>
  client.frames.flatMap((f) =>
    f.event === 'event' ? [JSON.parse(f.data as string).id as string] : f.event ? [f.event] : [],
  );

const caughtUp = (client: SseClient) =>
  waitFor(() => sequence(client).includes('caught-up'), 10_000, 'event: caught-up');

const event = (type: string, createdAt?: Date) => ({
  type,
  userId: 'alice',
  projectId: 'p1',
  ...(createdAt ? { createdAt } : {}),
});

async function refused(query: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${query}`, { headers: { ...alice, ...headers } });
  const body = (await response.json()) as { error: { field: string } };
  return { status: response.status, field: body.error.field };
}

describe('GET .../events/stream from a position', () => {
  it('?from=start sends the history, then event: caught-up, then live events', async () => {
    // Two transactions, and another user's event between.
    await insertEvents(db.pool, [event('HIST'), event('HIST'), event('HIST')]);
    await insertEvents(db.pool, [{ type: 'HIST', userId: 'bob', projectId: 'p1' }]);
    await insertEvents(db.pool, [event('HIST'), event('HIST')]);
    const history = await stored('HIST');
    expect(history).toHaveLength(5);
    const client = await openSse(`${base}?from=start&type=HIST,LIVE`, alice);
    expect(client.status).toBe(200);
    await caughtUp(client);
    expect(sequence(client)).toEqual([...history, 'caught-up']);
    const marker = client.frames.find((f) => f.event === 'caught-up');
    expect(JSON.parse(marker?.data as string)).toEqual({ cursor: marker?.id });

    const [live] = await insertEvents(db.pool, [event('LIVE')]);
    await waitFor(() => sequence(client).length === 7, 10_000, 'the live event');
    expect(sequence(client).at(-1)).toBe(live?.id);
    client.drop();

    // Last-Event-ID (the second event's cursor) wins over ?from=start.
    const second = client.events()[1]?.id as string;
    const resumed = await openSse(`${base}?from=start&type=HIST,LIVE`, {
      ...alice,
      'last-event-id': second,
    });
    await caughtUp(resumed);
    expect(sequence(resumed)).toEqual([...history.slice(2), live?.id, 'caught-up']);
    resumed.drop();

    // ?from=now: caught up at once, nothing of the history.
    const now = await openSse(`${base}?from=now&type=HIST,LIVE`, alice);
    await caughtUp(now);
    expect(sequence(now)).toEqual(['caught-up']);
    now.drop();
  });

  it('?from=<ISO time> sends only the events created at or after it', async () => {
    const hour = 3_600_000;
    const t = Date.now();
    await insertEvents(db.pool, [
      event('DATED', new Date(t - 3 * hour)),
      event('DATED', new Date(t - hour)),
      event('DATED', new Date(t - 2 * hour)),
    ]);
    const [late] = await stored('DATED').then((ids) => ids.slice(1, 2));
    const from = new Date(t - 1.5 * hour).toISOString();
    const client = await openSse(`${base}?type=DATED&from=${encodeURIComponent(from)}`, alice);
    await caughtUp(client);
    expect(sequence(client)).toEqual([late, 'caught-up']);
    client.drop();
  });

  it('refuses a bad from, a bad Last-Event-ID and the old after parameter with 400', async () => {
    expect(await refused('?from=2026-02-30')).toEqual({ status: 400, field: 'from' });
    expect(await refused('?from=2026-11-23T10:00:00')).toEqual({ status: 400, field: 'from' });
    expect(await refused('?from=yesterday')).toEqual({ status: 400, field: 'from' });
    expect(await refused('?from=start&from=now')).toEqual({ status: 400, field: 'from' });
    expect(await refused('?after=x')).toEqual({ status: 400, field: 'after' });
    expect(await refused('?from=start', { 'last-event-id': 'forged.cursor' })).toEqual({
      status: 400,
      field: 'Last-Event-ID',
    });
    await waitFor(() => stream.metrics().subscribers === 0, 5000, 'the subscriptions to end');
  });

  it('ends with event: end, CURSOR_EXPIRED and the oldest time kept, for an expired position', async () => {
    const [cursor] = await openSse(`${base}?from=start&type=HIST`, alice).then(async (c) => {
      await caughtUp(c);
      c.drop();
      return c.events().map((e) => e.id);
    });
    // Today's partition (every event so far) is dropped.
    const { dropped } = await maintain({
      db: db.pool,
      retentionMs: DAY,
      premake: 0,
      now: new Date(TODAY + 2 * DAY),
    });
    expect(dropped).toHaveLength(1);
    const oldestAt = new Date(TODAY + DAY).toISOString();
    for (const [query, headers] of [
      ['?from=start&type=HIST', { 'last-event-id': cursor as string }],
      [`?from=${new Date(TODAY).toISOString()}`, {}],
    ] as const) {
      const client = await openSse(`${base}${query}`, { ...alice, ...headers });
      expect(client.status).toBe(200);
      await client.ended;
      const end = client.frames.find((f) => f.event === 'end');
      expect(JSON.parse(end?.data as string)).toMatchObject({ code: 'CURSOR_EXPIRED', oldestAt });
      expect(sequence(client)).toEqual(['end']);
    }
  });
});
