/**
 * `npm run demo`: a small simulated agent run logged through eventrail.
 *
 * With DATABASE_URL set it uses that Postgres server; without it, embedded PGlite (in memory), so
 * it runs on a machine with nothing but Node. It migrates, logs a burst of events from a few
 * concurrent agent sessions, closes the logger, and prints a short summary: what was logged and
 * what was stored, by type, and the logger's metrics that matter.
 */
import { type EventInput, EventLogger, type EventLoggerMetrics } from 'eventrail';
import { migrate, PostgresSink } from 'eventrail/postgres';
import { openExampleDatabase } from './lib/database.js';
import { formatTable } from './lib/table.js';

type Log = (event: EventInput) => Promise<unknown>;

/** One agent session: plan, tool calls with risk, an approval, progress, an error, completion. */
async function agentSession(log: Log, userId: string, session: number): Promise<void> {
  const base = { userId, projectId: 'demo-project', sessionId: `session-${session}` };
  const agentId = ['researcher', 'coder', 'reviewer'][session % 3] ?? 'researcher';
  await log({
    ...base,
    type: 'AGENT_SWITCHED',
    agentId,
    payload: { from: 'orchestrator', to: agentId, mode: 'orchestrated' },
  });
  await log({
    ...base,
    type: 'TASK_PLAN_CREATED',
    payload: { steps: ['search', 'summarize', 'write'] },
  });
  for (let step = 0; step < 10; step++) {
    const tool = ['web_search', 'read_file', 'run_tests'][step % 3] ?? 'web_search';
    await log({
      ...base,
      type: 'TOOL_REQUEST',
      agentId,
      payload: {
        tool_name: tool,
        input_params: { step },
        risk_level: step % 4 === 0 ? 'high' : 'low',
      },
    });
    await log({
      ...base,
      type: 'TASK_PROGRESS',
      agentId,
      payload: { step, progress: (step + 1) * 10 },
    });
  }
  await log({
    ...base,
    type: 'APPROVAL_REQUIRED',
    agentId,
    payload: { approval_status: 'pending', action: 'deploy' },
  });
  await log({
    ...base,
    type: 'APPROVAL_RESOLVED',
    agentId,
    payload: { approval_status: session % 5 === 0 ? 'rejected' : 'approved' },
  });
  if (session % 4 === 0) {
    const error = new Error('rate limit exceeded');
    await log({
      ...base,
      type: 'ERROR',
      agentId,
      payload: { error_code: 'RATE_LIMIT', message: error.message, stack_trace: error.stack ?? '' },
    });
  }
  await log({
    ...base,
    type: 'TASK_COMPLETED',
    agentId,
    payload: { duration_ms: 1200 + session },
  });
}

/** The logger's figures a newcomer looks at first, one line each. */
function metricLines(metrics: EventLoggerMetrics, timedOut: boolean): string[][] {
  const sink = metrics.sinks.postgres;
  if (sink === undefined) return [];
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  return [
    ['accepted / rejected by validation', `${metrics.accepted} / ${metrics.rejected}`],
    ['written to Postgres', `${sink.written} of ${sink.received}`],
    [
      'batches (write time p50, max)',
      `${sink.batches} (${ms(sink.batchDurationMs.p50)}, ${ms(sink.batchDurationMs.max)})`,
    ],
    ['retries / errors', `${sink.retries} / ${sink.errors}`],
    ['dropped / handed to the fallback', `${sink.dropped} / ${sink.fallback}`],
    ['close()', timedOut ? 'timed out' : 'drained everything in time'],
  ];
}

async function main(): Promise<void> {
  const { db, label, close } = await openExampleDatabase();
  try {
    await migrate({ db });
    const logger = new EventLogger({ sinks: [new PostgresSink({ db })] });
    const logged = new Map<string, number>();
    const log: Log = (event) => {
      logged.set(event.type, (logged.get(event.type) ?? 0) + 1);
      return logger.logEvent(event);
    };
    const since = new Date();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 40 }, (_, session) => agentSession(log, `user-${session % 4}`, session)),
    );
    const summary = await logger.close();
    const elapsed = performance.now() - started;

    // This run's rows only: a server's table may hold earlier runs'.
    const { rows } = await db.query(
      `SELECT event_type AS type, count(*)::int AS n FROM eventrail.event_logs
        WHERE project_id = 'demo-project' AND created_at >= $1 GROUP BY 1`,
      [since],
    );
    const stored = new Map((rows as { type: string; n: number }[]).map((r) => [r.type, r.n]));
    const types = [...logged.keys()].sort((a, b) => (logged.get(b) ?? 0) - (logged.get(a) ?? 0));
    const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
    console.log(`eventrail demo on ${label}`);
    console.log(
      `40 agent sessions of 4 users logged ${total(logged)} events in ${elapsed.toFixed(0)} ms\n`,
    );
    console.log(
      formatTable(
        ['event type', 'logged', 'stored'],
        [
          ...types.map((type) => [type, logged.get(type) ?? 0, stored.get(type) ?? 0]),
          ['total', total(logged), total(stored)],
        ],
      ),
    );
    console.log('');
    console.log(formatTable(['metric', 'value'], metricLines(logger.metrics(), summary.timedOut)));
  } finally {
    await close();
  }
}

await main();
