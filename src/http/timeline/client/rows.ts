import { add, el } from './dom.js';
import { isError } from './model/event.js';
import { clock, costText, duration } from './model/format.js';
import { kindOf, labelOf, riskOf } from './model/labels.js';
import type { LaneMode } from './model/lanes.js';
import type { Row, SessionModel } from './model/model.js';
import { elapsed, type Span } from './model/spans.js';
import type { Totals } from './model/totals.js';

/** The waterfall's columns and the session's totals. @internal */

const COLUMNS = ['Time', '', 'Event', 'Duration', 'Status', 'In', 'Out', 'Cost'];

export function header(mode: LaneMode): HTMLElement {
  const row = el('div', 'wf-row wf-head');
  COLUMNS.forEach((name, i) => {
    const cell = el(
      'span',
      i >= 3 ? 'num' : null,
      i === 1 ? (mode === 'stage' ? 'Stage' : mode === 'agent' ? 'Agent' : 'Lane') : name,
    );
    cell.setAttribute('role', 'columnheader');
    row.appendChild(cell);
  });
  return row;
}

function status(row: Row): string {
  if (row.span) return row.span.status.replace('_', ' ');
  return isError(row.item.event) ? 'error' : '';
}

function sum(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined ? (b ?? null) : a + (b ?? 0);
}

/** The row of the waterfall for `row`: time, lane, label, duration, status, tokens, cost. */
export function rowElement(model: SessionModel, row: Row, now: number): HTMLElement {
  const e = row.item.event;
  const end = row.span?.end ? model.item(row.span.end.id)?.usage : null;
  const u = row.item.usage;
  const risk = riskOf(e);
  const text = row.span?.kind === 'tool' ? row.span.name : labelOf(e);
  const name = el('span', 'wf-label');
  name.title = e.type === text ? text : `${e.type}: ${text}`;
  add(
    name,
    el('span', `mark ${kindOf(e)}${risk ? ` risk-${risk}` : ''}`),
    el('span', 'text', text),
  );
  const cells = [
    el('span', 'time', clock(row.item.at)),
    el('span', 'lane-cell', row.item.lane),
    name,
    el('span', 'num', row.span ? duration(elapsed(row.span, now)) + (row.span.end ? '' : '…') : ''),
    el('span', `status s-${row.span?.status ?? (isError(e) ? 'error' : 'none')}`, status(row)),
    el('span', 'num', sum(u?.inputTokens, end?.inputTokens)),
    el('span', 'num', sum(u?.outputTokens, end?.outputTokens)),
    el('span', 'num', ((c) => (c === null ? '' : costText(c)))(sum(u?.cost, end?.cost))),
  ];
  for (const cell of cells) cell.setAttribute('role', 'gridcell');
  const node = add(el('div', row.span?.end === null ? 'open' : null), ...cells);
  node.dataset.id = e.id;
  node.dataset.type = e.type;
  return node;
}

/** Time in tool calls: the closed ones, and the open ones so far. */
function toolTime(totals: Totals, open: ReadonlySet<Span>, now: number): number {
  let ms = totals.toolMs;
  for (const span of open) if (span.kind === 'tool') ms += elapsed(span, now);
  return ms;
}

export function totalsPanel(model: SessionModel, now: number): HTMLElement {
  const t = model.totals;
  const items: [string, string, string | number][] = [
    ['duration', 'Duration', duration(t.durationMs)],
    ['events', 'Events', t.events],
    ['errors', 'Errors', t.errors],
    ['toolCalls', 'Tool calls', t.toolCalls],
    ['toolTime', 'Time in tools', duration(toolTime(t, model.open, now))],
  ];
  if (t.usage) {
    items.push(
      ['inputTokens', 'Input tokens', t.inputTokens],
      ['outputTokens', 'Output tokens', t.outputTokens],
      ['cost', 'Cost', costText(t.cost)],
    );
    if (t.models.size > 0) items.push(['models', 'Models', [...t.models].join(', ')]);
  }
  const list = el('dl', 'totals');
  list.id = 'totals';
  list.setAttribute('aria-label', 'Session totals');
  for (const [key, name, value] of items) {
    const dd = el('dd', t.errors && key === 'errors' ? 'err' : null, value);
    dd.dataset.total = key;
    list.appendChild(add(el('div'), el('dt', null, name), dd));
  }
  return list;
}
