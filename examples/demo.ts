/**
 * `npm run demo`: a small simulated agent run logged through eventrail.
 *
 * With DATABASE_URL set it uses that Postgres server; without it, embedded PGlite (in memory), so
 * it runs on a machine with nothing but Node. It migrates, logs a burst of events from a few
 * concurrent agent sessions, closes the logger, and prints what landed and the logger's metrics.
 */
import { EventLogger } from 'eventrail';
import { migrate, PostgresSink } from 'eventrail/postgres';
import { openExampleDatabase } from './lib/database.js';

/** One agent session: plan, tool calls with risk, an approval, progress, an error, completion. */
async function agentSession(logger: EventLogger, userId: string, session: number): Promise<void> {
  const base = { userId, projectId: 'demo-project', sessionId: `session-${session}` };
  const agentId = ['researcher', 'coder', 'reviewer'][session % 3] ?? 'researcher';
  await logger.logEvent({
    ...base,
    type: 'AGENT_SWITCHED',
    agentId,
    payload: { from: 'orchestrator', to: agentId, mode: 'orchestrated' },
  });
  await logger.logEvent({
    ...base,
    type: 'TASK_PLAN_CREATED',
    payload: { steps: ['search', 'summarize', 'write'] },
  });
  for (let step = 0; step < 10; step++) {
    const tool = ['web_search', 'read_file', 'run_tests'][step % 3] ?? 'web_search';
    await logger.logEvent({
      ...base,
      type: 'TOOL_REQUEST',
      agentId,
      payload: {
        tool_name: tool,
        input_params: { step },
        risk_level: step % 4 === 0 ? 'high' : 'low',
      },
    });
    await logger.logEvent({
      ...base,
      type: 'TASK_PROGRESS',
      agentId,
      payload: { step, progress: (step + 1) * 10 },
    });
  }
  await logger.logEvent({
    ...base,
    type: 'APPROVAL_REQUIRED',
    agentId,
    payload: { approval_status: 'pending', action: 'deploy' },
  });
  await logger.logEvent({
    ...base,
    type: 'APPROVAL_RESOLVED',
    agentId,
    payload: { approval_status: session % 5 === 0 ? 'rejected' : 'approved' },
  });
  if (session % 4 === 0) {
    const error = new Error('rate limit exceeded');
    await logger.logEvent({
      ...base,
      type: 'ERROR',
      agentId,
      payload: { error_code: 'RATE_LIMIT', message: error.message, stack_trace: error.stack ?? '' },
    });
  }
  await logger.logEvent({
    ...base,
    type: 'TASK_COMPLETED',
    agentId,
    payload: { duration_ms: 1200 + session },
  });
}

async function main(): Promise<void> {
  const { db, label, close } = await openExampleDatabase();
  try {
    await migrate({ db });
    const logger = new EventLogger({ sinks: [new PostgresSink({ db })] });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 40 }, (_, session) =>
        agentSession(logger, `user-${session % 4}`, session),
      ),
    );
    const summary = await logger.close();
    const elapsed = performance.now() - started;

    const { rows: counts } = await db.query(
      'SELECT event_type, count(*)::int AS events FROM eventrail.event_logs GROUP BY 1 ORDER BY 2 DESC, 1',
    );
    console.log(`eventrail demo on ${label}`);
    console.log(
      `logged and wrote ${summary.sinks.postgres?.written} events in ${elapsed.toFixed(0)} ms`,
    );
    console.log('close summary:', JSON.stringify(summary));
    console.log('events by type:', JSON.stringify(counts));
    console.log('metrics:', JSON.stringify(logger.metrics()));
  } finally {
    await close();
  }
}

await main();
