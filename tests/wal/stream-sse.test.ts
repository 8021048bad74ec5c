/**
 * The SSE route of `EventsApi` over a stream from the WAL: events as they commit, a transaction
 * left open holding nothing back, and a reconnect with Last-Event-ID missing nothing.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EventsApi, toNodeListener } from '../../src/http/index.js';
import { EventQueries, EventStream } from '../../src/postgres/index.js';
import { useTestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/outbox.js';
import { openSse } from '../helpers/sse.js';

const db = useTestDatabase({ server: 'logical' });
const cursorSecret = 'a-stable-test-secret-of-32-chars!!';
let stream: EventStream;
let api: EventsApi;
let server: Server;
let base = '';

beforeAll(async () => {
  stream = new EventStream({ db: db.pool, cursorSecret, source: 'wal', walConnection: db.url });
  api = new EventsApi({
    queries: new EventQueries({ db: db.pool, cursorSecret }),
    stream,
    heartbeatMs: 100,
    resolveCaller: (request) =>
      request.headers.get('x-user') === 'alice' ? { userId: 'alice', projects: ['p1'] } : null,
  });
  server = createServer(toNodeListener(api));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/my/projects`;
});
afterAll(async () => {
  await api.close();
  await stream.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const write = async (type: string) => {
  const id = randomUUID();
  await db.pool.query(
    `INSERT INTO eventrail.event_logs (id, event_type, user_id, project_id) VALUES ($1, $2, 'alice', 'p1')`,
    [id, type],
  );
  return id;
};

it('streams as SSE from the WAL, past an open transaction, and resumes with Last-Event-ID', async () => {
  const client = await openSse(`${base}/p1/events/stream`, { 'x-user': 'alice' });
  expect(client.status).toBe(200);
  // Started (its slot made) once an event written now arrives.
  while (client.events().length === 0) {
    await write('PRIME');
    await new Promise((r) => setTimeout(r, 100));
  }
  const open = await db.pool.connect();
  try {
    await open.query('BEGIN');
    await open.query(
      `INSERT INTO eventrail.event_logs (id, event_type, user_id) VALUES ($1, 'HELD', 'bob')`,
      [randomUUID()],
    );
    const during = await write('DURING');
    await waitFor(() => client.events().some((e) => e.data.id === during), 5_000, 'DURING');
    const last = client.events().at(-1)?.id as string;
    client.drop();
    const missed = await write('MISSED');
    const again = await openSse(`${base}/p1/events/stream`, {
      'x-user': 'alice',
      'last-event-id': last,
    });
    await waitFor(() => again.events().some((e) => e.data.id === missed), 5_000, 'MISSED');
    // From the cursor of DURING, read with the transaction still open: MISSED, nothing lost.
    expect(again.events().map((e) => e.data.type)).toContain('MISSED');
    again.drop();
    await open.query('ROLLBACK');
  } finally {
    open.release();
  }
});
