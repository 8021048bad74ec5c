// examples/http-api.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventLogger } from 'eventrail';
import { EventsApi, toNodeListener } from 'eventrail/http';
import { EventQueries, migrate, PostgresSink } from 'eventrail/postgres';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
pool.on('error', (error) => console.error('idle Postgres client failed:', error.message));
await migrate({ db: pool });
const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool })] });
for (const type of ['TOOL_REQUEST', 'AGENT_SWITCHED', 'ERROR']) {
  await logger.logEvent({
    type,
    userId: 'user-42',
    projectId: 'project-1',
    sessionId: 'session-1',
  });
}
await logger.close();

const api = new EventsApi({
  queries: new EventQueries({ db: pool, cursorSecret: process.env.EVENTRAIL_CURSOR_SECRET }),
  // The host's authentication goes here (a session cookie, a bearer token); a header stands in.
  resolveCaller: (request) =>
    request.headers.get('x-user') === 'user-42'
      ? { userId: 'user-42', projects: ['project-1'] }
      : null,
});
const server = createServer(toNodeListener(api)).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/my/projects`;

for (const path of [
  '/project-1/events?limit=2',
  '/project-1/events/session-1?type=ERROR',
  '/project-1/analytics',
  '/project-2/events', // not one of the caller's projects: 404, as if it did not exist
  '/project-1/events?limit=5000', // over the maximum: 400
]) {
  const response = await fetch(base + path, { headers: { 'x-user': 'user-42' } });
  console.log(response.status, path, (await response.text()).slice(0, 160));
}
await api.close();
server.close();
await pool.end();
