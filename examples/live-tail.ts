// examples/live-tail.ts
import { EventStream, migrate } from 'eventrail/postgres';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
pool.on('error', (error) => console.error('idle Postgres client failed:', error.message));
await migrate({ db: pool });
const stream = new EventStream({ db: pool, cursorSecret: process.env.EVENTRAIL_CURSOR_SECRET });

// Ctrl-C ends the subscription; LIVE_TAIL_COUNT ends it after that many events.
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
const limit = Number(process.env.LIVE_TAIL_COUNT ?? Number.POSITIVE_INFINITY);

// user-42's events as they commit, from now on; LIVE_TAIL_FROM (a cursor printed below)
// resumes right after the last event a previous run printed, missing and repeating nothing.
const subscription = stream.subscribe(
  { userId: 'user-42' },
  {},
  { signal: stop.signal, from: process.env.LIVE_TAIL_FROM ?? 'now' },
);
console.log('tailing the events of user-42: log some from another process');
let seen = 0;
for await (const { event } of subscription) {
  console.log(event.createdAt.toISOString(), event.type, JSON.stringify(event.payload));
  if (++seen >= limit) break;
}
console.log(`to resume: LIVE_TAIL_FROM=${subscription.cursor}`);
await stream.close();
await pool.end();
