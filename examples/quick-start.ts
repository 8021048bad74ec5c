// examples/quick-start.ts
import { EventLogger } from 'eventrail';
import { migrate, PostgresSink } from 'eventrail/postgres';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
pool.on('error', (error) => console.error('idle Postgres client failed:', error.message));
await migrate({ db: pool }); // creates the eventrail schema and tables; safe to run on every start

const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool })] });
logger.on('error', (error) => console.error('eventrail:', error.message));

const id = await logger.logEvent({
  type: 'TOOL_REQUEST',
  userId: 'user-42',
  projectId: 'project-1',
  sessionId: 'session-9',
  agentId: 'researcher',
  payload: { tool_name: 'web_search', risk_level: 'low' },
});
console.log('accepted', id);

// In the host's shutdown hook: drain, then report what happened to every event.
const summary = await logger.close({ timeoutMs: 5000 });
console.log(summary.sinks.postgres); // { received: 1, written: 1, fallback: 0, dropped: 0 }
await pool.end();
