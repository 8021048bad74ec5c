import { isError, type TimelineEvent, textOf } from './event.js';
import { agentOf, callIdOf, toolOf } from './genai.js';

/** A span's state: open until its end arrives, then how it ended. @internal */
export type SpanStatus =
  | 'open'
  | 'ok'
  | 'failed'
  | 'pending'
  | 'approved'
  | 'rejected'
  | 'timed_out';

/** A tool call from its request to its result, or an approval from its request to its outcome. @internal */
export interface Span {
  readonly kind: 'tool' | 'approval';
  /** The tool's name, or the approval's id. */
  readonly name: string;
  readonly start: TimelineEvent;
  readonly startAt: number;
  end: TimelineEvent | null;
  endAt: number | null;
  /** An approval whose timeout warning came. */
  warned: boolean;
  status: SpanStatus;
}

/** Where an event stands in a span. @internal */
export interface SpanPart {
  readonly span: Span;
  readonly role: 'start' | 'inside' | 'end';
}

const TOOL_START =
  /(?:^|[_.\s-])(REQUEST|REQUESTED|CALL|CALLED|START|STARTED|INVOKE|INVOKED|BEGIN)$/i;
const TOOL_END =
  /(?:^|[_.\s-])(RESULT|RESPONSE|END|ENDED|COMPLETE|COMPLETED|DONE|SUCCEEDED|ERROR|FAILED|FAILURE)$/i;

function toolPhase(e: TimelineEvent): 'start' | 'end' | null {
  if (!/TOOL/i.test(e.type) && callIdOf(e) === null) return null;
  if (TOOL_START.test(e.type)) return 'start';
  if (TOOL_END.test(e.type)) return 'end';
  return null;
}

function failed(e: TimelineEvent): boolean {
  const success =
    e.payload && typeof e.payload === 'object' ? Reflect.get(e.payload, 'success') : undefined;
  return isError(e) || success === false || /(ERROR|FAILED|FAILURE)$/i.test(e.type);
}

/**
 * Pairs events into spans as they come in time order. A tool result closes the call of the same
 * call id (`gen_ai.tool.call.id`, `tool_call_id`, `call_id`) when both name one, else the oldest
 * open call of the same tool by the same agent. Approvals pair by `approval_id`.
 * @internal
 */
export class SpanTracker {
  readonly #calls = new Map<string, Span>();
  readonly #queues = new Map<string, Span[]>();
  readonly #approvals = new Map<string, Span>();

  /** Feeds the next event (in time order); where it stands in a span, or null. */
  feed(e: TimelineEvent, at: number): SpanPart | null {
    const approval = this.#approval(e, at);
    if (approval) return approval;
    const phase = toolPhase(e);
    const tool = toolOf(e);
    if (phase === 'start' && tool !== null) return this.#open(e, at, tool);
    if (phase === 'end') return this.#close(e, at, tool);
    return null;
  }

  #open(e: TimelineEvent, at: number, tool: string): SpanPart {
    const span: Span = {
      kind: 'tool',
      name: tool,
      start: e,
      startAt: at,
      end: null,
      endAt: null,
      warned: false,
      status: 'open',
    };
    const id = callIdOf(e);
    if (id !== null) this.#calls.set(id, span);
    const key = `${agentOf(e) ?? ''}\u0000${tool}`;
    const queue = this.#queues.get(key);
    if (queue) queue.push(span);
    else this.#queues.set(key, [span]);
    return { span, role: 'start' };
  }

  #close(e: TimelineEvent, at: number, tool: string | null): SpanPart | null {
    const id = callIdOf(e);
    let span = id === null ? undefined : this.#calls.get(id);
    if (span === undefined && tool !== null) {
      const queue = this.#queues.get(`${agentOf(e) ?? ''}\u0000${tool}`) ?? [];
      while (queue.length > 0 && queue[0]?.end !== null) queue.shift();
      span = queue.shift();
    }
    if (span === undefined) return null;
    const startId = callIdOf(span.start);
    if (startId !== null) this.#calls.delete(startId);
    span.end = e;
    span.endAt = at;
    span.status = failed(e) ? 'failed' : 'ok';
    return { span, role: 'end' };
  }

  #approval(e: TimelineEvent, at: number): SpanPart | null {
    const id = textOf(e.payload, ['approval_id']);
    if (id === null) return null;
    const type = String(e.type).toUpperCase();
    if (type === 'APPROVAL_REQUIRED') {
      const span: Span = {
        kind: 'approval',
        name: id,
        start: e,
        startAt: at,
        end: null,
        endAt: null,
        warned: false,
        status: 'pending',
      };
      this.#approvals.set(id, span);
      return { span, role: 'start' };
    }
    const span = this.#approvals.get(id);
    if (span === undefined) return null;
    if (type === 'APPROVAL_TIMEOUT_WARNING') {
      span.warned = true;
      return { span, role: 'inside' };
    }
    if (type !== 'APPROVAL_RESOLVED' && type !== 'APPROVAL_TIMEOUT') return null;
    this.#approvals.delete(id);
    span.end = e;
    span.endAt = at;
    const outcome = textOf(e.payload, ['approval_status']);
    span.status =
      type === 'APPROVAL_TIMEOUT' ? 'timed_out' : outcome === 'rejected' ? 'rejected' : 'approved';
    return { span, role: 'end' };
  }
}

/** How long a span took, or has been open until `now`. @internal */
export function elapsed(span: Span, now: number): number {
  return (span.endAt ?? now) - span.startAt;
}
