/**
 * `npx tsx examples/agent-platform.ts`: one agent session of the agent platform (seeds 000, 001)
 * instrumented end to end, through a catalog-bound EventLogger into Postgres, then read back with
 * the query module: the session's history and the project's analytics.
 *
 * The session itself (examples/lib/agent-session.ts) scales the platform's approval waits down
 * a thousandfold.
 * DATABASE_URL selects the server; without it the example runs on embedded PGlite.
 */
import { EventLogger } from 'eventrail';
import { EventQueries, migrate, PostgresSink } from 'eventrail/postgres';
import { agentPlatformCatalog } from './catalogs/agent-platform.js';
import { agentSession, type Base } from './lib/agent-session.js';
import { openExampleDatabase } from './lib/database.js';

const { db, label, close } = await openExampleDatabase();
try {
  await migrate({ db });
  const logger = new EventLogger({
    sinks: [new PostgresSink({ db })],
    catalog: agentPlatformCatalog,
  });
  const base: Base = { userId: 'user-42', projectId: 'project-1', sessionId: 'session-7' };
  await agentSession(logger, base);
  const summary = await logger.close();
  console.log(
    `agent platform example on ${label}; logger: ${JSON.stringify(summary.sinks.postgres)}`,
  );

  const queries = new EventQueries({ db });
  const scope = { userId: 'user-42', projectId: 'project-1' };
  const history = await queries.sessionEvents(scope, 'session-7', {}, { order: 'asc', limit: 100 });
  console.log(`session-7 history (${history.items.length} events):`);
  for (const event of history.items) {
    const detail = event.toolName ?? event.approvalStatus ?? event.errorCode ?? '';
    console.log(
      `  ${event.type}${event.agentId ? ` [${event.agentId}]` : ''}${detail ? ` ${detail}` : ''}`,
    );
  }
  console.log('counts by type:', JSON.stringify(await queries.countsByType(scope)));
  console.log('agent interactions:', JSON.stringify(await queries.agentInteractions(scope)));
  console.log('error stats:', JSON.stringify(await queries.errorStats(scope)));
} finally {
  await close();
}
