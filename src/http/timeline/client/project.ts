import { api, CONFIG, pageUrl } from './api.js';
import { add, el } from './dom.js';
import { duration, when } from './model/format.js';
import { type SeriesPoint, strip, type TypeCount } from './strip.js';

/**
 * The project view: the analytics strip (analytics route, plus the errors of its range from the
 * list route) and the project's sessions and business objects, most recently active first.
 * @internal
 */

interface Summary {
  readonly sessionId?: string;
  readonly aggregateType?: string;
  readonly aggregateId?: string;
  readonly firstAt: string;
  readonly lastAt: string;
  readonly events: number;
  readonly errors: number;
  readonly agents: readonly string[];
  readonly agentCount: number;
}

interface Page<T> {
  readonly items: T[];
  readonly nextCursor?: string | null;
}

interface Analytics {
  readonly countsByType: TypeCount[];
  readonly timeSeries: { readonly start: string; readonly count: number }[];
}

function bucketFor(ms: number): string {
  return ms <= 2 * 3600000 ? 'minute' : ms <= 5 * 86400000 ? 'hour' : 'day';
}

/** The errors of [from, to), at most 5 pages of 500 (newest first). */
async function errorTimes(from: string, to: string): Promise<number[]> {
  const times: number[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 5; pages++) {
    const page: Page<{ createdAt: string }> = await api('events', {
      errorsOnly: 'true',
      from,
      to,
      limit: 500,
      cursor,
    });
    for (const e of page.items) times.push(Date.parse(e.createdAt));
    cursor = page.nextCursor ?? null;
    if (!cursor) break;
  }
  return times;
}

async function projectStrip(groups: readonly Summary[]): Promise<HTMLElement> {
  const first = Math.min(...groups.map((g) => Date.parse(g.firstAt)));
  const last = Math.max(...groups.map((g) => Date.parse(g.lastAt)));
  const from = new Date(first).toISOString();
  const to = new Date(last + 1).toISOString();
  const [analytics, errors] = await Promise.all([
    api<Analytics>('analytics', { from, to, bucket: bucketFor(last - first) }),
    errorTimes(from, to),
  ]);
  const points: SeriesPoint[] = analytics.timeSeries.map((p) => ({
    start: Date.parse(p.start),
    count: p.count,
    errors: 0,
  }));
  for (const t of errors) {
    const point = points.findLast((p) => p.start <= t);
    if (point) point.errors++;
  }
  return strip(' (project)', analytics.countsByType, points);
}

interface Link {
  label(item: Summary): string;
  href(item: Summary): string;
}

function summaryTable(
  caption: string,
  items: readonly Summary[],
  name: string,
  link: Link,
): HTMLElement {
  const table = add(el('table'), el('caption', null, caption));
  const head = el('tr');
  ['', 'Last activity', 'Duration', 'Events', 'Errors', 'Agents'].forEach((h, i) => {
    const th = el('th', i >= 2 && i <= 4 ? 'num' : null, i === 0 ? name : h);
    th.scope = 'col';
    head.appendChild(th);
  });
  const body = el('tbody');
  for (const item of items) {
    const a = el('a', null, link.label(item));
    a.href = link.href(item);
    const th = add(el('th'), a);
    th.scope = 'row';
    const more = item.agentCount - item.agents.length;
    const agents = item.agents.join(', ') + (more > 0 ? ` +${more}` : '');
    body.appendChild(
      add(
        el('tr'),
        th,
        el('td', null, when(item.lastAt)),
        el('td', 'num', duration(Date.parse(item.lastAt) - Date.parse(item.firstAt))),
        el('td', 'num', item.events),
        el('td', `num${item.errors ? ' err' : ''}`, item.errors),
        el('td', null, agents || '—'),
      ),
    );
  }
  return add(el('div', 'panel table-wrap'), add(table, add(el('thead'), head), body));
}

export async function projectView(main: HTMLElement): Promise<void> {
  document.title = `${CONFIG.projectId} · eventrail timeline`;
  const [sessions, aggregates] = await Promise.all([
    api<Page<Summary>>('sessions', { limit: 100 }),
    api<Page<Summary>>('aggregates', { limit: 100 }),
  ]);
  const groups = [...sessions.items, ...aggregates.items];
  const view = add(el('div', 'project'), el('h1', null, `Project ${CONFIG.projectId}`));
  if (groups.length === 0) {
    view.appendChild(
      add(
        el('section', 'state'),
        el('p', null, 'No sessions or business objects with events yet.'),
      ),
    );
    view.dataset.state = 'empty';
  } else {
    view.appendChild(await projectStrip(groups));
  }
  if (sessions.items.length) {
    view.appendChild(
      summaryTable('Sessions (most recent first)', sessions.items, 'Session', {
        label: (s) => s.sessionId ?? '',
        href: (s) => pageUrl(s.sessionId ?? null),
      }),
    );
  }
  if (aggregates.items.length) {
    view.appendChild(
      summaryTable('Business objects (most recent first)', aggregates.items, 'Object', {
        label: (a) => `${a.aggregateType} ${a.aggregateId}`,
        href: (a) =>
          pageUrl(null, { aggregateType: a.aggregateType ?? '', aggregateId: a.aggregateId ?? '' }),
      }),
    );
  }
  main.replaceChildren(view);
}
