/**
 * The agent platform's events (seeds 000 and 001), declared once. Payload types give compile-time
 * checks; the zod schemas also check at run time the events whose payloads come from outside
 * (tool input, approvals, errors).
 */
import { defineCatalog, event } from 'eventrail';
import { z } from 'zod';

const riskLevel = z.enum(['low', 'medium', 'high', 'critical']);

export const agentPlatformCatalog = defineCatalog({
  AGENT_SWITCHED: event<{
    from_agent: string | null;
    to_agent: string;
    mode: 'orchestrated';
    reason?: string;
  }>(),
  DIRECT_AGENT_CALL: event<{ agent_name: string; input_parameters: Record<string, unknown> }>(),
  TOOL_REQUEST: event({
    schema: z.object({
      tool_name: z.string().min(1),
      tool_type: z.string(),
      input_params: z.record(z.string(), z.unknown()),
      risk_level: riskLevel,
      risk_factors: z.array(z.string()).default([]),
      /** The OpenTelemetry GenAI name of the call's id: the timeline pairs request and result by it. */
      'gen_ai.tool.call.id': z.string().optional(),
    }),
  }),
  TOOL_RESULT: event<{
    tool_name: string;
    success: boolean;
    duration_ms: number;
    output_summary?: string;
    'gen_ai.tool.call.id'?: string;
  }>(),
  /**
   * A call to a model, with the OpenTelemetry GenAI semantic convention's attribute names: the
   * timeline shows its model, tokens and cost per row and sums them per session.
   */
  LLM_CALL: event<{
    'gen_ai.operation.name': 'chat';
    'gen_ai.request.model': string;
    'gen_ai.agent.name'?: string;
    'gen_ai.usage.input_tokens': number;
    'gen_ai.usage.output_tokens': number;
    /** In US dollars, as the platform bills it. */
    cost?: number;
  }>(),
  APPROVAL_REQUIRED: event({
    schema: z.object({
      approval_id: z.string(),
      action: z.string(),
      approval_status: z.literal('pending'),
      timeout_at: z.string(),
    }),
  }),
  APPROVAL_TIMEOUT_WARNING: event<{ approval_id: string; seconds_left: number }>(),
  APPROVAL_RESOLVED: event({
    schema: z.object({
      approval_id: z.string(),
      approval_status: z.enum(['approved', 'rejected']),
    }),
  }),
  APPROVAL_TIMEOUT: event<{ approval_id: string; approval_status: 'timed_out' }>(),
  TASK_PLAN_CREATED: event<{ plan_id: string; steps: string[] }>(),
  TASK_STARTED: event<{ task_id: string; step: string }>(),
  TASK_PROGRESS: event<{ task_id: string; progress: number; message?: string }>(),
  TASK_COMPLETED: event<{ task_id: string; duration_ms: number }>(),
  CONTEXT_RETRIEVED: event<{ source: string; documents: number; tokens: number }>(),
  ERROR: event({
    schema: z.object({
      error_code: z.string(),
      error_message: z.string(),
      stack_trace: z.string().optional(),
    }),
  }),
});
