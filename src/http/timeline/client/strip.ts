import { add, el } from './dom.js';
import { when } from './model/format.js';

/** The analytics strip: events per type, and the error rate over time. @internal */

export interface TypeCount {
  readonly type: string;
  readonly count: number;
}

export interface SeriesPoint {
  readonly start: number;
  count: number;
  errors: number;
}

function countsList(counts: readonly TypeCount[]): HTMLElement {
  const list = el('ul', 'counts');
  const top = counts.reduce((max, c) => Math.max(max, c.count), 1);
  for (const c of counts) {
    const bar = el('span', `bar${String(c.type).toUpperCase() === 'ERROR' ? ' error' : ''}`);
    bar.style.setProperty('--w', `${Math.max(1, (100 * c.count) / top)}%`);
    list.appendChild(add(el('li'), el('span', 'name', c.type), el('span', 'n', c.count), bar));
  }
  return list;
}

function errorRate(series: readonly SeriesPoint[]): HTMLElement[] {
  const box = el('div', 'spark');
  box.setAttribute('role', 'img');
  let errors = 0;
  let total = 0;
  for (const point of series) {
    errors += point.errors;
    total += point.count;
    const rate = point.count > 0 ? point.errors / point.count : 0;
    const bar = el('span', point.errors > 0 ? null : 'none');
    bar.style.setProperty('--h', `${Math.round(rate * 100)}%`);
    bar.title = `${when(point.start)}: ${point.errors} errors of ${point.count} events`;
    box.appendChild(bar);
  }
  const share = total ? ((100 * errors) / total).toFixed(1) : '0';
  const text = `${errors} errors of ${total} events (${share}%)`;
  box.setAttribute('aria-label', `Error rate over time: ${text}`);
  return [box, el('p', 'muted', text)];
}

export function strip(
  title: string,
  counts: readonly TypeCount[],
  series: readonly SeriesPoint[],
): HTMLElement {
  return add(
    el('section', 'panel strip'),
    add(el('div'), el('h2', null, `Events by type${title}`), countsList(counts)),
    add(el('div'), el('h2', null, `Error rate over time${title}`), ...errorRate(series)),
  );
}

/** Counts by type, most frequent first. */
export function countsOf(types: ReadonlyMap<string, number>): TypeCount[] {
  return [...types]
    .map(([type, count]) => ({ type, count }))
    .sort((a, b) => b.count - a.count || (a.type < b.type ? -1 : 1));
}

/** Buckets times into n equal slices from start to end. */
export function seriesOf(
  times: Iterable<{ readonly at: number; readonly error: boolean }>,
  start: number,
  end: number,
  n: number,
): SeriesPoint[] {
  const width = Math.max(1, (end - start) / n);
  const points: SeriesPoint[] = [];
  for (let i = 0; i < n; i++) points.push({ start: start + i * width, count: 0, errors: 0 });
  for (const t of times) {
    const point = points[Math.min(n - 1, Math.floor((t.at - start) / width))];
    if (!point) continue;
    point.count++;
    if (t.error) point.errors++;
  }
  return points;
}
