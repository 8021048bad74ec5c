import { isError, type TimelineEvent } from './event.js';
import type { Usage } from './genai.js';
import type { Span } from './spans.js';

/**
 * A session's totals, kept as events come: duration, events, errors, tool calls and the time
 * they took (closed calls; open ones are added by who shows them), tokens, cost, models.
 * @internal
 */
export class Totals {
  events = 0;
  errors = 0;
  toolCalls = 0;
  /** Milliseconds in closed tool calls. */
  toolMs = 0;
  inputTokens = 0;
  outputTokens = 0;
  cost = 0;
  /** Whether any event carried tokens, cost or a model. */
  usage = false;
  firstAt = Number.POSITIVE_INFINITY;
  lastAt = Number.NEGATIVE_INFINITY;
  readonly models = new Set<string>();
  readonly types = new Map<string, number>();

  addEvent(e: TimelineEvent, at: number, usage: Usage | null): void {
    this.events++;
    if (isError(e)) this.errors++;
    this.firstAt = Math.min(this.firstAt, at);
    this.lastAt = Math.max(this.lastAt, at);
    this.types.set(e.type, (this.types.get(e.type) ?? 0) + 1);
    if (usage === null) return;
    this.usage = true;
    this.inputTokens += usage.inputTokens ?? 0;
    this.outputTokens += usage.outputTokens ?? 0;
    this.cost += usage.cost ?? 0;
    if (usage.model) this.models.add(usage.model);
  }

  openSpan(span: Span): void {
    if (span.kind === 'tool') this.toolCalls++;
  }

  closeSpan(span: Span): void {
    if (span.kind === 'tool' && span.endAt !== null) this.toolMs += span.endAt - span.startAt;
  }

  /** From the first event to the last, in milliseconds. */
  get durationMs(): number {
    return this.events === 0 ? 0 : this.lastAt - this.firstAt;
  }
}
