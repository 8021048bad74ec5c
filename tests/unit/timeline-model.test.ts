/**
 * The timeline page's model, in Node: labels, the GenAI names it recognises, tool calls and
 * approvals paired into spans, rows and totals, and that appending gives what a build from
 * scratch gives.
 */
import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../src/http/timeline/client/model/event.js';
import { usageOf } from '../../src/http/timeline/client/model/genai.js';
import { labelOf, spanLabel } from '../../src/http/timeline/client/model/labels.js';
import { SessionModel } from '../../src/http/timeline/client/model/model.js';

let n = 0;
const T0 = Date.parse('2026-12-07T10:00:00.000Z');

function ev(
  type: string,
  payload: Record<string, unknown> = {},
  over: Partial<TimelineEvent> = {},
) {
  n++;
  return {
    id: `e-${String(n).padStart(4, '0')}`,
    type,
    createdAt: new Date(T0 + n * 10).toISOString(),
    sessionId: 's',
    agentId: null,
    aggregateType: null,
    aggregateId: null,
    workflowId: null,
    source: null,
    errorCode: null,
    toolName: null,
    approvalStatus: null,
    payload,
    ...over,
  } satisfies TimelineEvent;
}

describe('labels', () => {
  it('name the tool, the agent switched to, the error code and message, the model, else the type', () => {
    expect(labelOf(ev('TOOL_REQUEST', { tool_name: 'web_search' }))).toBe('web_search');
    expect(labelOf(ev('TOOL_CALL', { 'gen_ai.tool.name': 'grep' }))).toBe('grep');
    expect(labelOf(ev('AGENT_SWITCHED', { to_agent: 'coder' }))).toBe('coder');
    expect(labelOf(ev('ERROR', { error_code: 'RATE_LIMIT', error_message: 'slow down' }))).toBe(
      'RATE_LIMIT: slow down',
    );
    expect(labelOf(ev('failed', {}, { errorCode: 'E42' }))).toBe('E42');
    expect(labelOf(ev('LLM_CALL', { 'gen_ai.request.model': 'gpt-4o' }))).toBe('gpt-4o');
    expect(labelOf(ev('TASK_PROGRESS', { progress: 3 }))).toBe('TASK_PROGRESS');
  });
});

describe('GenAI usage', () => {
  it('reads the OpenTelemetry names as flat keys or nested objects, then the plain forms', () => {
    expect(
      usageOf(
        ev('x', {
          'gen_ai.usage.input_tokens': 10,
          'gen_ai.usage.output_tokens': '5',
          'gen_ai.request.model': 'm1',
          cost: 0.25,
        }),
      ),
    ).toEqual({ inputTokens: 10, outputTokens: 5, cost: 0.25, model: 'm1' });
    expect(
      usageOf(ev('x', { gen_ai: { usage: { input_tokens: 7 }, response: { model: 'm2' } } })),
    ).toEqual({ inputTokens: 7, outputTokens: null, cost: null, model: 'm2' });
    expect(usageOf(ev('x', { input_tokens: 3, output_tokens: 4, model: 'm3' }))).toEqual({
      inputTokens: 3,
      outputTokens: 4,
      cost: null,
      model: 'm3',
    });
    expect(usageOf(ev('x', { tokens: 5120, input_tokens: 'many' }))).toBeNull();
  });
});

describe('spans', () => {
  it('pair a tool call with its result by call id, whatever the order of the results', () => {
    const a = ev('TOOL_REQUEST', { tool_name: 'read', call_id: 'a' }, { agentId: 'r' });
    const b = ev(
      'TOOL_REQUEST',
      { tool_name: 'read', 'gen_ai.tool.call.id': 'b' },
      { agentId: 'r' },
    );
    const rb = ev(
      'TOOL_RESULT',
      { tool_name: 'read', 'gen_ai.tool.call.id': 'b' },
      { agentId: 'r' },
    );
    const ra = ev(
      'TOOL_RESULT',
      { tool_name: 'read', call_id: 'a', success: false },
      { agentId: 'r' },
    );
    const model = new SessionModel();
    model.add([a, b, rb, ra]);
    expect(model.spans.map((s) => [s.start.id, s.end?.id, s.status])).toEqual([
      [a.id, ra.id, 'failed'],
      [b.id, rb.id, 'ok'],
    ]);
    // The results are on their calls' rows.
    expect(model.rows.map((r) => r.item.event.id)).toEqual([a.id, b.id]);
    expect(model.item(ra.id)?.rowIndex).toBe(0);
    expect(model.totals.toolCalls).toBe(2);
    expect(model.totals.toolMs).toBe(30 + 10);
  });

  it('without ids, pair by tool name in order within the agent, never across agents', () => {
    const x1 = ev('TOOL_REQUEST', { tool_name: 'grep' }, { agentId: 'x' });
    const y1 = ev('TOOL_REQUEST', { tool_name: 'grep' }, { agentId: 'y' });
    const x2 = ev('TOOL_REQUEST', { tool_name: 'grep' }, { agentId: 'x' });
    const y1r = ev('TOOL_RESULT', { tool_name: 'grep' }, { agentId: 'y' });
    const x1r = ev('TOOL_RESULT', { tool_name: 'grep' }, { agentId: 'x' });
    const stray = ev('TOOL_RESULT', { tool_name: 'other' }, { agentId: 'x' });
    const model = new SessionModel();
    model.add([x1, y1, x2, y1r, x1r, stray]);
    expect(model.spans.map((s) => [s.start.id, s.end?.id ?? null, s.status])).toEqual([
      [x1.id, x1r.id, 'ok'],
      [y1.id, y1r.id, 'ok'],
      [x2.id, null, 'open'],
    ]);
    expect(model.open.size).toBe(1);
    // The unmatched result is a row of its own.
    expect(model.rows.map((r) => r.item.event.id)).toEqual([x1.id, y1.id, x2.id, stray.id]);
    const open = model.spans[2];
    expect(open && spanLabel(open, Date.parse(x2.createdAt) + 1500)).toBe('grep 1.5 s…');
  });

  it('keep approvals from request to outcome, with the warning inside', () => {
    const req = ev('APPROVAL_REQUIRED', { approval_id: 'p' });
    const warn = ev('APPROVAL_TIMEOUT_WARNING', { approval_id: 'p' });
    const out = ev('APPROVAL_TIMEOUT', { approval_id: 'p', approval_status: 'timed_out' });
    const model = new SessionModel();
    model.add([req, warn, out]);
    const [span] = model.spans;
    expect(span?.status).toBe('timed_out');
    expect(span && spanLabel(span, 0)).toBe('⚠ timed out 20 ms');
    expect(model.rows.length).toBe(2);
  });
});

describe('the session model', () => {
  const session = () => {
    n = 0;
    return [
      ev('AGENT_SWITCHED', { to_agent: 'r' }, { agentId: 'r' }),
      ev('TOOL_REQUEST', { tool_name: 't', call_id: '1' }, { agentId: 'r' }),
      ev('TOOL_RESULT', { tool_name: 't', call_id: '1' }, { agentId: 'r' }),
      ev(
        'LLM_CALL',
        {
          'gen_ai.usage.input_tokens': 100,
          'gen_ai.usage.output_tokens': 20,
          cost: 0.5,
          model: 'm',
        },
        { agentId: 'r' },
      ),
      ev('ERROR', { error_code: 'E' }),
      ev(
        'LLM_CALL',
        { input_tokens: 11, output_tokens: 2, cost: 0.25, model: 'm' },
        { agentId: 'q' },
      ),
    ];
  };

  it('sums tokens and cost, counts events, errors and tool calls', () => {
    const model = new SessionModel();
    model.add(session());
    const t = model.totals;
    expect([t.events, t.errors, t.toolCalls, t.toolMs, t.durationMs]).toEqual([6, 1, 1, 10, 50]);
    expect([t.inputTokens, t.outputTokens, t.cost, [...t.models]]).toEqual([111, 22, 0.75, ['m']]);
    expect(model.laneNames).toEqual(['r', '(session)', 'q']);
  });

  it('appends newer events in place, rebuilds once for an older one, and ends where a build from scratch does', () => {
    const events = session();
    const whole = new SessionModel();
    whole.add(events);
    const model = new SessionModel();
    expect(model.add(events.slice(2, 4)).kind).toBe('appended');
    const change = model.add(events.slice(4));
    expect([change.kind, change.items.length, change.rows.length]).toEqual(['appended', 2, 2]);
    expect(model.add(events.slice(0, 3)).kind).toBe('rebuilt');
    expect(model.add(events).kind).toBe('none');
    const shape = (m: SessionModel) =>
      m.rows.map((r) => [r.item.event.id, r.item.lane, r.span?.end?.id ?? null]);
    expect(shape(model)).toEqual(shape(whole));
    expect(model.totals).toEqual(whole.totals);
  });
});
