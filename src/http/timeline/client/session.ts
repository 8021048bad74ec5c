import { ApiError, CONFIG, type Params, pageUrl } from './api.js';
import { details } from './details.js';
import { add, el } from './dom.js';
import { type Filter, type FiltersForm, filtersForm, isoOf, NO_FILTER } from './filters.js';
import { LanesView } from './lanes-view.js';
import { SessionLoader } from './loader.js';
import { isError } from './model/event.js';
import { when } from './model/format.js';
import type { Change, Item, Row } from './model/model.js';
import { header, rowElement, totalsPanel } from './rows.js';
import { showState } from './state.js';
import { countsOf, seriesOf, strip } from './strip.js';
import { Waterfall } from './waterfall.js';

/**
 * The session view (or a business object's): its events (read by {@link SessionLoader}) as
 * totals, lanes and a waterfall that select together, the details of the selection, the strip.
 * @internal
 */

interface Subject {
  readonly params: Params;
  readonly title: string;
}

function subjectOf(): Subject | null {
  if (CONFIG.sessionId) {
    return { params: { sessionId: CONFIG.sessionId }, title: `Session ${CONFIG.sessionId}` };
  }
  const q = new URLSearchParams(location.search);
  const type = q.get('aggregateType');
  const id = q.get('aggregateId');
  if (type && id)
    return { params: { aggregateType: type, aggregateId: id }, title: `${type} ${id}` };
  return null;
}

class SessionView {
  readonly #subject: Subject;
  readonly #root = el('div', 'session');
  readonly #controls: FiltersForm;
  readonly #notice = el('p', 'muted');
  readonly #summary = el('p', 'muted');
  readonly #totals = el('div', 'panel totals-panel');
  readonly #stripSlot = el('div', 'wide');
  readonly #detailsSlot = el('div', 'side');
  readonly #lanes: LanesView;
  readonly #loader = new SessionLoader({
    first: () => {
      this.#reshow();
      performance.mark('timeline:first-rows');
    },
    changed: (change) => this.#apply(change),
    done: () => {
      this.#update();
      this.#root.dataset.loaded = 'all';
      performance.mark('timeline:all-loaded');
    },
    refused: (message) => {
      this.#notice.textContent = `Refused: ${message}`;
    },
  });
  #waterfall: Waterfall<Row>;
  #filter: Filter = NO_FILTER;
  #lane = '';
  /** The rows and items shown (all, or the chosen lane's). */
  #rows: Row[] = [];
  #items: Item[] = [];
  #selected: Item | null = null;
  #ticker = 0;
  /** Counts by type, and the times of errors, of the shown items (for the strip). */
  #types = new Map<string, number>();
  #errors: number[] = [];
  #typeCount = 0;
  #laneCount = 0;

  constructor(main: HTMLElement, subject: Subject) {
    this.#subject = subject;
    const back = el('a', null, `← Project ${CONFIG.projectId}`);
    back.href = pageUrl(null);
    this.#controls = filtersForm(
      (filter) => {
        this.#filter = filter;
        this.#notice.textContent = '';
        this.reload().catch(showState);
      },
      (lane) => {
        this.#lane = lane;
        this.#reshow();
      },
    );
    this.#notice.setAttribute('role', 'status');
    this.#summary.id = 'summary';
    this.#waterfall = this.#newWaterfall();
    this.#lanes = new LanesView({
      select: (item, focus) => this.#select(item, 'lanes', focus),
    });
    const timeline = add(
      el('section', 'panel timeline'),
      el('h2', null, 'Timeline'),
      this.#summary,
      this.#lanes.element,
    );
    timeline.setAttribute('aria-label', 'Timeline');
    const list = add(
      el('section', 'panel waterfall'),
      el('h2', null, 'Waterfall'),
      this.#waterfall.element,
    );
    list.setAttribute('aria-label', 'Waterfall');
    add(
      this.#root,
      add(
        el('div', 'wide'),
        back,
        el('h1', null, subject.title),
        this.#controls.form,
        this.#notice,
      ),
      add(el('div', 'body'), this.#totals, timeline, list),
      this.#detailsSlot,
      this.#stripSlot,
    );
    main.replaceChildren(this.#root);
  }

  #newWaterfall(): Waterfall<Row> {
    return new Waterfall<Row>(header(this.#loader.model.mode), {
      draw: (row) => rowElement(this.#loader.model, row, Date.now()),
      changing: (row) => row.span !== null && row.span.end === null,
      select: (position) => {
        const row = this.#rows[position];
        if (row) this.#select(row.item, 'waterfall', false);
      },
      view: (position) => {
        const row = this.#rows[position];
        if (row) this.#lanes.follow(this.#shownIndex(row.item));
      },
    });
  }

  #query(): Params {
    const f = this.#filter;
    return {
      ...this.#subject.params,
      type: f.type,
      errorsOnly: f.errorsOnly ? 'true' : '',
      from: isoOf(f.from),
      to: isoOf(f.to),
    };
  }

  async reload(): Promise<void> {
    this.#selected = null;
    this.#root.dataset.loaded = 'no';
    await this.#loader.load(this.#query());
  }

  #apply(change: Change): void {
    if (change.kind === 'none') return;
    if (change.kind === 'rebuilt') {
      this.#reshow();
      return;
    }
    // Geometry first, while the layout is clean; then only writes.
    const follow = this.#waterfall.atEnd;
    const right = this.#lanes.atRight;
    const before = this.#items.length;
    for (const row of change.rows)
      if (!this.#lane || row.item.lane === this.#lane) this.#rows.push(row);
    for (const item of change.items) if (!this.#lane || item.lane === this.#lane) this.#count(item);
    this.#waterfall.grew(follow && this.#rows.length > 0);
    this.#lanes.appended(this.#items, before, change.closed, right);
    this.#update();
  }

  /** Everything drawn again from the model: after a rebuild, a lane choice, a reload. */
  #reshow(): void {
    const lane = this.#lane;
    this.#rows = lane
      ? this.#loader.model.rows.filter((r) => r.item.lane === lane)
      : [...this.#loader.model.rows];
    this.#items = [];
    this.#types = new Map();
    this.#errors = [];
    for (const item of this.#loader.model.items) if (!lane || item.lane === lane) this.#count(item);
    const old = this.#waterfall.element;
    this.#waterfall = this.#newWaterfall();
    old.replaceWith(this.#waterfall.element);
    this.#waterfall.setRows(this.#rows);
    this.#lanes.show(this.#loader.model, this.#items, lane);
    this.#laneCount = -1;
    this.#update();
    this.#select(this.#selected, 'restore', false);
  }

  #count(item: Item): void {
    this.#items.push(item);
    this.#types.set(item.event.type, (this.#types.get(item.event.type) ?? 0) + 1);
    if (isError(item.event)) this.#errors.push(item.at);
  }

  /** Totals, summary, filters' choices, strip; open spans' ticker. */
  #update(): void {
    const now = Date.now();
    const m = this.#loader.model;
    this.#totals.replaceChildren(el('h2', null, 'Totals'), totalsPanel(m, now));
    const n = this.#items.length;
    const first = this.#items[0];
    const last = this.#items[n - 1];
    this.#summary.textContent = `${n} events shown${this.#loader.loading ? ' (loading older pages…)' : ''}${first && last ? `, ${when(first.at)} to ${when(last.at)}` : ''}`;
    if (m.totals.types.size !== this.#typeCount || m.laneNames.length !== this.#laneCount) {
      this.#typeCount = m.totals.types.size;
      this.#laneCount = m.laneNames.length;
      this.#controls.update(
        [...m.totals.types.keys()].sort(),
        m.laneNames,
        m.mode,
        this.#filter.type,
        this.#lane,
      );
    }
    this.#drawStrip();
    if (m.open.size > 0 && !this.#ticker) {
      this.#ticker = window.setInterval(() => this.#tick(), 250);
    }
  }

  #tick(): void {
    if (this.#loader.model.open.size === 0) {
      window.clearInterval(this.#ticker);
      this.#ticker = 0;
    }
    const now = Date.now();
    this.#lanes.refresh(now);
    this.#waterfall.draw();
    this.#totals.replaceChildren(el('h2', null, 'Totals'), totalsPanel(this.#loader.model, now));
  }

  #drawStrip(): void {
    const items = this.#items;
    const start = items[0]?.at ?? 0;
    const end = (items[items.length - 1]?.at ?? 0) + 1;
    const series = seriesOf(items, this.#errors, start, end, 24);
    this.#stripSlot.replaceChildren(strip(' (loaded events)', countsOf(this.#types), series));
  }

  /** The position of `item` among the shown items (binary search: they are in time order). */
  #shownIndex(item: Item): number {
    if (!this.#lane) return item.index;
    let lo = 0;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.#items[mid]?.index ?? 0) < item.index) lo = mid + 1;
      else hi = mid;
    }
    return this.#items[lo] === item ? lo : -1;
  }

  #rowPosition(row: Row): number {
    if (!this.#lane) return row.index;
    return this.#rows.indexOf(row);
  }

  #select(item: Item | null, from: 'lanes' | 'waterfall' | 'restore', focus: boolean): void {
    this.#selected = item;
    const row = item ? (this.#loader.model.rows[item.rowIndex] ?? null) : null;
    if (from !== 'waterfall')
      this.#waterfall.activate(row ? this.#rowPosition(row) : -1, from === 'lanes');
    if (item) this.#lanes.select(item, this.#shownIndex(item), focus && from === 'lanes');
    else this.#lanes.select(null, -1, false);
    this.#detailsSlot.replaceChildren(details(item, row, Date.now()));
  }
}

export async function sessionView(main: HTMLElement): Promise<void> {
  const subject = subjectOf();
  if (!subject) {
    throw new ApiError(
      400,
      'NO_SUBJECT',
      'Name a session (…/timeline/{sessionId}) or an object (?aggregateType=…&aggregateId=…)',
    );
  }
  document.title = `${subject.title} · ${CONFIG.projectId}`;
  await new SessionView(main, subject).reload();
}
