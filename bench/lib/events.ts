import { type EventInput, type EventRecord, normalizeEvent } from '../../src/index.js';

const TYPES = [
  'TOOL_REQUEST',
  'TASK_PROGRESS',
  'AGENT_SWITCHED',
  'CONTEXT_RETRIEVED',
  'ERROR',
  'APPROVAL_REQUIRED',
];

/**
 * Events shaped like the agent platform's (seed 000/001): ids, a session, an agent, and a payload
 * of 150–300 bytes of JSON.
 */
export function agentEvent(i: number): EventInput {
  const type = TYPES[i % TYPES.length] as string;
  return {
    type,
    userId: `user-${i % 50}`,
    projectId: `project-${i % 10}`,
    tenantId: `tenant-${i % 3}`,
    sessionId: `session-${i % 200}`,
    agentId: i % 4 === 0 ? null : `agent-${i % 7}`,
    payload: {
      tool_name: 'web_search',
      input_params: { query: `how to ship events reliably #${i}`, limit: 10 },
      risk_level: i % 5 === 0 ? 'high' : 'low',
      error_code: type === 'ERROR' ? 'RATE_LIMIT' : null,
      progress: i % 100,
      step: { index: i % 12, name: 'summarize', tags: ['a', 'b', 'c'] },
    },
  };
}

/** `count` validated records, made before a raw run so that it pays only for the write. */
export function agentRecords(count: number, offset = 0): EventRecord[] {
  return Array.from({ length: count }, (_, i) =>
    normalizeEvent(agentEvent(offset + i), { maxPayloadBytes: 1 << 20 }),
  );
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
