/**
 * One agent session of the agent platform (seeds 000, 001), as examples/agent-platform.ts logs
 * it: a switch to an agent, a plan, tool calls of low and high risk (each followed by a model
 * call that carries its tokens under the OpenTelemetry GenAI names), an approval answered in
 * time, one that times out after its warning, an error, a direct call. The browser test of the
 * timeline page logs the same session.
 *
 * The approval waits are the platform's, scaled down a thousandfold: a 5-minute approval with a
 * warning 30 s before it times out becomes 300 ms with a warning 30 ms before.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventLogger, EventOf } from 'eventrail';
import type { agentPlatformCatalog } from '../catalogs/agent-platform.js';

type AgentEvent = EventOf<typeof agentPlatformCatalog>;
export type Logger = EventLogger<typeof agentPlatformCatalog>;
export type Base = Pick<AgentEvent, 'userId' | 'projectId' | 'sessionId'>;

const APPROVAL_TIMEOUT_MS = 300;
const WARNING_BEFORE_MS = 30;

/** Asks a human to approve `action`; logs the request, the warning, and the outcome. */
async function approval(log: Logger, base: Base, id: string, answerAfterMs: number | null) {
  const timeoutAt = new Date(Date.now() + APPROVAL_TIMEOUT_MS).toISOString();
  await log.logEvent({
    ...base,
    type: 'APPROVAL_REQUIRED',
    payload: {
      approval_id: id,
      action: 'deploy',
      approval_status: 'pending',
      timeout_at: timeoutAt,
    },
  });
  const warning = setTimeout(() => {
    void log.logEvent({
      ...base,
      type: 'APPROVAL_TIMEOUT_WARNING',
      payload: { approval_id: id, seconds_left: WARNING_BEFORE_MS / 1000 },
    });
  }, APPROVAL_TIMEOUT_MS - WARNING_BEFORE_MS);
  const answered =
    answerAfterMs !== null && answerAfterMs < APPROVAL_TIMEOUT_MS
      ? await sleep(answerAfterMs, true)
      : await sleep(APPROVAL_TIMEOUT_MS, false);
  clearTimeout(warning);
  await (answered
    ? log.logEvent({
        ...base,
        type: 'APPROVAL_RESOLVED',
        payload: { approval_id: id, approval_status: 'approved' },
      })
    : log.logEvent({
        ...base,
        type: 'APPROVAL_TIMEOUT',
        payload: { approval_id: id, approval_status: 'timed_out' },
      }));
}

/** The orchestrator hands the task to an agent, which plans, calls tools, asks, and fails once. */
export async function agentSession(log: Logger, base: Base): Promise<void> {
  const agentId = 'researcher';
  await log.logEvent({
    ...base,
    type: 'AGENT_SWITCHED',
    agentId,
    payload: { from_agent: null, to_agent: agentId, mode: 'orchestrated' },
  });
  await log.logEvent({
    ...base,
    type: 'TASK_PLAN_CREATED',
    payload: { plan_id: 'plan-1', steps: ['search', 'read', 'summarize'] },
  });
  await log.logEvent({
    ...base,
    type: 'CONTEXT_RETRIEVED',
    agentId,
    payload: { source: 'vector-store', documents: 8, tokens: 5120 },
  });
  for (const [step, tool] of ['web_search', 'read_file', 'summarize'].entries()) {
    await log.logEvent({
      ...base,
      type: 'TASK_STARTED',
      agentId,
      payload: { task_id: `task-${step}`, step: tool },
    });
    await log.logEvent({
      ...base,
      type: 'TOOL_REQUEST',
      agentId,
      payload: {
        tool_name: tool,
        tool_type: 'builtin',
        input_params: { step },
        risk_level: step === 1 ? 'high' : 'low',
        risk_factors: step === 1 ? ['filesystem'] : [],
        'gen_ai.tool.call.id': `call-${step}`,
      },
    });
    await log.logEvent({
      ...base,
      type: 'TOOL_RESULT',
      agentId,
      payload: {
        tool_name: tool,
        success: true,
        duration_ms: 40 + step,
        'gen_ai.tool.call.id': `call-${step}`,
      },
    });
    await log.logEvent({
      ...base,
      type: 'LLM_CALL',
      agentId,
      payload: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.agent.name': agentId,
        'gen_ai.usage.input_tokens': 1200 + 300 * step,
        'gen_ai.usage.output_tokens': 150 + 40 * step,
        cost: 0.0004 + 0.0001 * step,
      },
    });
    await log.logEvent({
      ...base,
      type: 'TASK_PROGRESS',
      agentId,
      payload: { task_id: `task-${step}`, progress: (step + 1) * 33 },
    });
  }
  await approval(log, base, 'approval-1', 120); // answered in time
  await approval(log, base, 'approval-2', null); // nobody answers: warning, then timeout
  try {
    throw new Error('upstream model rate limit exceeded');
  } catch (error) {
    const { message, stack } = error as Error;
    await log.logEvent({
      ...base,
      type: 'ERROR',
      agentId,
      payload: { error_code: 'RATE_LIMIT', error_message: message, stack_trace: stack ?? '' },
    });
  }
  await log.logEvent({
    ...base,
    type: 'DIRECT_AGENT_CALL',
    agentId: 'coder',
    payload: { agent_name: 'coder', input_parameters: { file: 'report.md' } },
  });
  await log.logEvent({
    ...base,
    type: 'TASK_COMPLETED',
    agentId,
    payload: { task_id: 'task-2', duration_ms: 1234 },
  });
}
