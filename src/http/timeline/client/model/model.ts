import { byTime, type TimelineEvent } from './event.js';
import { type Usage, usageOf } from './genai.js';
import { type LaneMode, LaneTracker, widerMode } from './lanes.js';
import { type Span, SpanTracker } from './spans.js';
import { Totals } from './totals.js';

/** One loaded event, with what the page derived from it. @internal */
export interface Item {
  readonly event: TimelineEvent;
  /** `createdAt` in milliseconds. */
  readonly at: number;
  readonly lane: string;
  readonly usage: Usage | null;
  /** Its position in {@link SessionModel.items}. */
  readonly index: number;
  /** The row it is shown in: its own, or its span's (a tool result is on its call's row). */
  readonly rowIndex: number;
}

/** A row of the waterfall: an event, or a span from its first event. @internal */
export interface Row {
  readonly item: Item;
  readonly span: Span | null;
  readonly index: number;
}

/** What {@link SessionModel.add} changed. @internal */
export interface Change {
  /** `appended`: new items and rows at the end only; `rebuilt`: everything may have moved. */
  readonly kind: 'none' | 'appended' | 'rebuilt';
  readonly items: readonly Item[];
  readonly rows: readonly Row[];
  /** Spans an appended event closed (their rows changed in place). */
  readonly closed: readonly Span[];
}

const NOTHING: Change = { kind: 'none', items: [], rows: [], closed: [] };

/**
 * A session's loaded events in time order, their lanes, spans, rows and totals. Events later
 * than all loaded ones are appended in place; an older one (or one that changes the lane mode)
 * rebuilds everything once.
 * @internal
 */
export class SessionModel {
  items: Item[] = [];
  rows: Row[] = [];
  spans: Span[] = [];
  /** Spans with no end yet. */
  readonly open = new Set<Span>();
  totals = new Totals();
  #lanes = new LaneTracker('none');
  #tracker = new SpanTracker();
  readonly #byId = new Map<string, Item>();
  readonly #spanRows = new Map<Span, Row>();

  get mode(): LaneMode {
    return this.#lanes.mode;
  }

  get laneNames(): readonly string[] {
    return this.#lanes.names;
  }

  item(id: string): Item | undefined {
    return this.#byId.get(id);
  }

  add(events: readonly TimelineEvent[]): Change {
    const seen = new Set<string>();
    const fresh = events.filter((e) => {
      if (this.#byId.has(e.id) || seen.has(e.id)) return false;
      seen.add(e.id);
      return true;
    });
    if (fresh.length === 0) return NOTHING;
    fresh.sort(byTime);
    const mode = fresh.reduce(widerMode, this.#lanes.mode);
    if (mode !== this.#lanes.mode && this.items.length === 0) this.#reset(mode);
    const last = this.items[this.items.length - 1];
    const first = fresh[0] as TimelineEvent;
    if (mode === this.#lanes.mode && (last === undefined || byTime(last.event, first) < 0)) {
      const items = this.items.length;
      const rows = this.rows.length;
      const closed: Span[] = [];
      for (const e of fresh) this.#feed(e, closed);
      return {
        kind: 'appended',
        items: this.items.slice(items),
        rows: this.rows.slice(rows),
        closed,
      };
    }
    const all = this.items.map((i) => i.event).concat(fresh);
    all.sort(byTime);
    this.#reset(mode);
    for (const e of all) this.#feed(e, []);
    return { kind: 'rebuilt', items: this.items, rows: this.rows, closed: [] };
  }

  #reset(mode: LaneMode): void {
    this.items = [];
    this.rows = [];
    this.spans = [];
    this.open.clear();
    this.totals = new Totals();
    this.#lanes = new LaneTracker(mode);
    this.#tracker = new SpanTracker();
    this.#byId.clear();
    this.#spanRows.clear();
  }

  #feed(event: TimelineEvent, closed: Span[]): void {
    const at = Date.parse(event.createdAt);
    const usage = usageOf(event);
    const lane = this.#lanes.feed(event);
    const part = this.#tracker.feed(event, at);
    this.totals.addEvent(event, at, usage);
    const spanRow = part?.role === 'end' ? this.#spanRows.get(part.span) : undefined;
    const item: Item = {
      event,
      at,
      lane,
      usage,
      index: this.items.length,
      rowIndex: spanRow ? spanRow.index : this.rows.length,
    };
    this.items.push(item);
    this.#byId.set(event.id, item);
    if (part !== null && part.role === 'end') {
      this.open.delete(part.span);
      this.totals.closeSpan(part.span);
      closed.push(part.span);
    }
    if (spanRow) return;
    const span = part?.role === 'start' ? part.span : null;
    const row: Row = { item, span, index: this.rows.length };
    this.rows.push(row);
    if (span === null) return;
    this.spans.push(span);
    this.#spanRows.set(span, row);
    this.open.add(span);
    this.totals.openSpan(span);
  }
}
