import { amountOf, type TimelineEvent, textOf } from './event.js';

/**
 * The payload names the page recognises, first found wins: the OpenTelemetry GenAI semantic
 * convention's attribute names (as flat keys or nested objects), then the plain forms.
 * @internal
 */
export const GENAI_NAMES = {
  inputTokens: ['gen_ai.usage.input_tokens', 'input_tokens'],
  outputTokens: ['gen_ai.usage.output_tokens', 'output_tokens'],
  model: ['gen_ai.request.model', 'gen_ai.response.model', 'model'],
  cost: ['cost'],
  toolName: ['gen_ai.tool.name', 'tool_name'],
  callId: ['gen_ai.tool.call.id', 'tool_call_id', 'call_id'],
  agentName: ['gen_ai.agent.name'],
} as const;

/** Tokens, cost and model an event carries; null where it carries none. @internal */
export interface Usage {
  readonly inputTokens: number | null;
  readonly outputTokens: number | null;
  readonly cost: number | null;
  readonly model: string | null;
}

/** The usage an event's payload carries, or null when it names none of it. @internal */
export function usageOf(event: TimelineEvent): Usage | null {
  const p = event.payload;
  const usage: Usage = {
    inputTokens: amountOf(p, GENAI_NAMES.inputTokens),
    outputTokens: amountOf(p, GENAI_NAMES.outputTokens),
    cost: amountOf(p, GENAI_NAMES.cost),
    model: textOf(p, GENAI_NAMES.model),
  };
  const none =
    usage.inputTokens === null &&
    usage.outputTokens === null &&
    usage.cost === null &&
    usage.model === null;
  return none ? null : usage;
}

/** The tool an event is about: the `toolName` column, else the payload's. @internal */
export function toolOf(event: TimelineEvent): string | null {
  return event.toolName || textOf(event.payload, GENAI_NAMES.toolName);
}

/** The agent of an event: the `agentId` column, else the payload's `gen_ai.agent.name`. @internal */
export function agentOf(event: TimelineEvent): string | null {
  return event.agentId || textOf(event.payload, GENAI_NAMES.agentName);
}

/** The tool call an event belongs to, when the payload names one. @internal */
export function callIdOf(event: TimelineEvent): string | null {
  return textOf(event.payload, GENAI_NAMES.callId);
}
