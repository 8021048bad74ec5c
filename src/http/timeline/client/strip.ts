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

/** The first index in [0, n) whose time is at or after t (times ascending). */
function lowerBound(n: number, at: (i: number) => number, t: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (at(mid) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * n equal slices from start to end (exclusive) with the events and errors in each, counted by
 * binary search in the sorted times: cheap however many events there are.
 */
export function seriesOf(
  events: readonly { readonly at: number }[],
  errors: readonly number[],
  start: number,
  end: number,
  n: number,
): SeriesPoint[] {
  const width = Math.max(1, (end - start) / n);
  const eventsBefore = (t: number) => lowerBound(events.length, (i) => events[i]?.at ?? 0, t);
  const errorsBefore = (t: number) => lowerBound(errors.length, (i) => errors[i] ?? 0, t);
  const points: SeriesPoint[] = [];
  for (let i = 0; i < n; i++) {
    const from = start + i * width;
    const to = i === n - 1 ? end : from + width;
    points.push({
      start: from,
      count: eventsBefore(to) - eventsBefore(from),
      errors: errorsBefore(to) - errorsBefore(from),
    });
  }
  return points;
}
