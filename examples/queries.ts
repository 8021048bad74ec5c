// examples/queries.ts
import { EventLogger } from 'eventrail';
import { EventQueries, MemoryCacheStore, migrate, PostgresSink } from 'eventrail/postgres';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
pool.on('error', (error) => console.error('idle Postgres client failed:', error.message));
await migrate({ db: pool });

// Something to read back: 120 events of one user's session work, 12 of them errors.
const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool })] });
for (let i = 0; i < 120; i++) {
  await logger.logEvent({
    type: i % 10 === 0 ? 'ERROR' : 'TOOL_REQUEST',
    userId: 'user-42',
    projectId: 'project-1',
    tenantId: 'acme',
    sessionId: `session-${i % 3}`,
    payload: i % 10 === 0 ? { error_code: 'RATE_LIMIT' } : { tool_name: 'web_search' },
  });
}
await logger.close();

const queries = new EventQueries({
  db: pool,
  cursorSecret: process.env.EVENTRAIL_CURSOR_SECRET, // set one (>= 16 bytes) in production
  cache: new MemoryCacheStore(), // or new RedisCacheStore({ client: new Redis() })
});

// Every read takes a scope, enforced in SQL: this user's events in this project, nothing else.
const scope = { userId: 'user-42', projectId: 'project-1' };

// Newest first; follow nextCursor page after page (keyset paging: page 1000 is as fast as page 1).
let page = await queries.listEvents(scope, { sessionId: 'session-1' }, { limit: 25 });
let read = page.items.length;
while (page.nextCursor) {
  page = await queries.listEvents(scope, { sessionId: 'session-1' }, { cursor: page.nextCursor });
  read += page.items.length;
}
console.log('events of session-1:', read); // 40

console.log(await queries.countsByType(scope)); // TOOL_REQUEST: 108, ERROR: 12 (cached 5 minutes)

const errors = await queries.recentErrors({ ...scope, tenantId: 'acme' }); // the last 24 hours
console.log('recent errors:', errors.items.length, errors.items[0]?.errorCode); // 12 RATE_LIMIT

await pool.end();
