import { isError, type TimelineEvent, textOf } from './event.js';
import { duration } from './format.js';
import { agentOf, toolOf, usageOf } from './genai.js';
import { elapsed, type Span } from './spans.js';

/** How a mark is drawn. @internal */
export type MarkKind =
  | 'k-error'
  | 'k-warn'
  | 'k-approval'
  | 'k-tool'
  | 'k-agent'
  | 'k-llm'
  | 'k-other';

export function kindOf(e: TimelineEvent): MarkKind {
  const type = String(e.type).toUpperCase();
  if (isError(e)) return 'k-error';
  if (type === 'APPROVAL_TIMEOUT_WARNING') return 'k-warn';
  if (type.startsWith('APPROVAL_')) return 'k-approval';
  if (type.includes('TOOL')) return 'k-tool';
  if (type === 'AGENT_SWITCHED' || type === 'DIRECT_AGENT_CALL') return 'k-agent';
  if (usageOf(e)?.model) return 'k-llm';
  return 'k-other';
}

const RISKS = ['low', 'medium', 'high', 'critical'];

export function riskOf(e: TimelineEvent): string | null {
  const risk = (textOf(e.payload, ['risk_level', 'severity']) ?? '').toLowerCase();
  return RISKS.includes(risk) ? risk : null;
}

/** An error's code and message: `RATE_LIMIT: upstream model rate limit exceeded`. */
export function errorText(e: TimelineEvent): string {
  const code = e.errorCode || textOf(e.payload, ['error_code']) || e.type;
  const message = textOf(e.payload, ['error_message', 'message']);
  return message ? `${code}: ${message}` : code;
}

/**
 * The short text on an event's mark and row: the tool for tool events, the agent for switches,
 * the code (and message) for errors, the model for model calls, else the type.
 * @internal
 */
export function labelOf(e: TimelineEvent): string {
  switch (kindOf(e)) {
    case 'k-error':
      return errorText(e);
    case 'k-tool':
      return toolOf(e) ?? e.type;
    case 'k-agent':
      return textOf(e.payload, ['to_agent', 'agent_name']) ?? agentOf(e) ?? e.type;
    case 'k-llm':
      return usageOf(e)?.model ?? e.type;
    default:
      return e.type;
  }
}

/** The whole story of a mark, for its tooltip and its accessible name (time apart). */
export function describe(e: TimelineEvent): string {
  const parts = [e.type];
  const tool = toolOf(e);
  if (tool) parts.push(tool);
  const risk = riskOf(e);
  if (risk) parts.push(`risk ${risk}`);
  if (isError(e)) parts.push(errorText(e));
  if (e.approvalStatus) parts.push(e.approvalStatus);
  const label = labelOf(e);
  if (!parts.includes(label) && kindOf(e) !== 'k-error') parts.push(label);
  return parts.join(', ');
}

/**
 * The text on a span: `web_search 41 ms`, `approved 120 ms`, `⚠ timed out 300 ms`; an open one
 * ends with `…` and grows.
 * @internal
 */
export function spanLabel(span: Span, now: number): string {
  const time = duration(elapsed(span, now)) + (span.end === null ? '…' : '');
  if (span.kind === 'tool') return `${span.name} ${time}`;
  return `${span.warned ? '⚠ ' : ''}${span.status.replace('_', ' ')} ${time}`;
}

/** A span's tooltip: `approval approval-2: timed out 300 ms, warned`, `tool read_file: ok 41 ms`. */
export function spanTitle(span: Span, now: number): string {
  const time = duration(elapsed(span, now)) + (span.end === null ? ' so far' : '');
  const status = span.status.replace('_', ' ');
  return `${span.kind} ${span.name}: ${status} ${time}${span.warned ? ', warned' : ''}`;
}
