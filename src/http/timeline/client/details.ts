import { add, el } from './dom.js';
import { clock, costText, duration, when } from './model/format.js';
import type { Item, Row } from './model/model.js';
import { elapsed } from './model/spans.js';

/** The selected event: its fields, its span, its usage, and its payload as formatted JSON, all as text. @internal */

function json(value: unknown, id: string, label: string): HTMLElement {
  const pre = el('pre', 'json', JSON.stringify(value, null, 2));
  pre.id = id;
  pre.tabIndex = 0;
  pre.setAttribute('aria-label', label);
  return pre;
}

export function details(item: Item | null, row: Row | null, now: number): HTMLElement {
  const box = el('section', 'panel details');
  box.id = 'details';
  box.setAttribute('aria-label', 'Event details');
  if (!item) {
    return add(
      box,
      el('h2', null, 'Event details'),
      el(
        'p',
        'muted',
        'Select an event: click a mark or a row; in the waterfall the arrow keys, Page Up/Down, Home and End move; on a mark, Enter selects and the arrow keys move between marks.',
      ),
    );
  }
  const e = item.event;
  const span = row?.span ?? null;
  const u = item.usage;
  const fields: [string, string | number | null | undefined][] = [
    ['Time', `${when(item.at)} (${clock(item.at)})`],
    ['Agent', e.agentId],
    ['Session', e.sessionId],
    ['Object', e.aggregateType ? `${e.aggregateType} ${e.aggregateId}` : null],
    ['Workflow', e.workflowId],
    ['Tool', e.toolName],
    ['Error code', e.errorCode],
    ['Approval', e.approvalStatus],
    ['Span', span ? `${span.kind} ${span.name}: ${span.status.replace('_', ' ')}` : null],
    ['Duration', span ? duration(elapsed(span, now)) + (span.end ? '' : ' so far') : null],
    ['Model', u?.model],
    ['Input tokens', u?.inputTokens],
    ['Output tokens', u?.outputTokens],
    ['Cost', u?.cost === null || u?.cost === undefined ? null : costText(u.cost)],
    ['Source', e.source],
    ['Id', e.id],
  ];
  const list = el('dl');
  for (const [name, value] of fields) {
    if (value === null || value === undefined || value === '') continue;
    add(list, el('dt', null, name), el('dd', null, value));
  }
  add(
    box,
    el('h2', null, e.type),
    list,
    el('h2', null, 'Payload'),
    json(e.payload, 'payload', 'Payload'),
  );
  const other = span && (span.start === e ? span.end : span.start);
  if (span && other) {
    const title = other === span.end ? `Result: ${other.type}` : `Request: ${other.type}`;
    add(box, el('h2', null, title), json(other.payload, 'payload-other', title));
  }
  return box;
}
