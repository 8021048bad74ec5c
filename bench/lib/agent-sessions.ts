/**
 * One agent session of `events` events written by a single INSERT … SELECT generate_series
 * (not the logger: 100,000 events in seconds): groups of five, a tool call with its call id and
 * its result, a model call with GenAI tokens and cost, task progress, and every 1,000th event an
 * error; three agents taking turns every 50 events; 37 ms apart, ending now.
 * Shared by the timeline's browser test and `npm run bench -- timeline`.
 */
import type pg from 'pg';

export interface SessionRows {
  readonly userId: string;
  readonly projectId: string;
  readonly sessionId: string;
  readonly events: number;
}

const SEED = `
INSERT INTO eventrail.event_logs
  (id, event_type, user_id, project_id, session_id, agent_id, tool_name, error_code, payload, occurred_at, created_at)
SELECT gen_random_uuid(), k.type, $1, $2, $3, 'agent-' || ((i / 50) % 3), k.tool, k.code, k.payload, t, t
FROM generate_series(0, $4::int - 1) AS i,
  LATERAL (SELECT now() - ($4::int - i) * interval '37 milliseconds' AS t,
                  (ARRAY['web_search', 'read_file', 'run_tests', 'write_file'])[(i / 5) % 4 + 1] AS name) AS base,
  LATERAL (SELECT
    CASE i % 5 WHEN 0 THEN 'TOOL_REQUEST' WHEN 1 THEN 'TOOL_RESULT' WHEN 2 THEN 'LLM_CALL'
      WHEN 3 THEN 'TASK_PROGRESS' ELSE CASE WHEN i % 1000 = 999 THEN 'ERROR' ELSE 'TASK_PROGRESS' END END AS type,
    CASE WHEN i % 5 < 2 THEN name END AS tool,
    CASE WHEN i % 1000 = 999 THEN 'E' || i END AS code,
    CASE i % 5
      WHEN 0 THEN jsonb_build_object('tool_name', name, 'gen_ai.tool.call.id', 'call-' || i / 5, 'risk_level', 'low')
      WHEN 1 THEN jsonb_build_object('tool_name', name, 'gen_ai.tool.call.id', 'call-' || i / 5, 'success', true)
      WHEN 2 THEN jsonb_build_object('gen_ai.request.model', 'gpt-4o-mini', 'gen_ai.usage.input_tokens', 100 + i % 7,
                                     'gen_ai.usage.output_tokens', 10 + i % 3, 'cost', 0.0001)
      ELSE CASE WHEN i % 1000 = 999 THEN jsonb_build_object('error_code', 'E' || i, 'error_message', 'step ' || i || ' failed')
                ELSE jsonb_build_object('task_id', 'task-' || i / 5, 'progress', i % 100) END
    END AS payload) AS k`;

export async function seedSessionRows(pool: pg.Pool, s: SessionRows): Promise<void> {
  await pool.query(SEED, [s.userId, s.projectId, s.sessionId, s.events]);
}
