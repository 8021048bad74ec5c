import { add, el } from './dom.js';
import { isError } from './model/event.js';
import { clock } from './model/format.js';
import { describe, kindOf, labelOf, riskOf, spanLabel, spanTitle } from './model/labels.js';
import type { Item, SessionModel } from './model/model.js';
import type { Span } from './model/spans.js';

/**
 * The lanes of a window of the session (a few hundred events, so the DOM stays bounded however
 * long the session): one lane per agent (or stage), a time axis with idle gaps compressed, a
 * mark per event with its label, tool calls and approvals as spans. Newer events are appended
 * to what is drawn, without drawing it again.
 * @internal
 */

const STEP = 22;
const LEVELS = 3;
/** Widest label, in px (CSS `.label` max-width). */
const LABEL_MAX = 160;

/** Pixels after the previous event: one step, plus 20 px per decade of milliseconds between. */
function gap(ms: number): number {
  return STEP + 20 * Math.min(6, Math.log10(1 + Math.max(0, ms)));
}

interface Lane {
  readonly track: HTMLElement;
  /** Per label level: where its last label ends, and that label (to clip when crowded). */
  readonly levels: { end: number; x: number; node: HTMLElement | null }[];
}

interface Bar {
  readonly span: Span;
  readonly bar: HTMLElement;
  readonly label: HTMLElement | null;
  readonly x0: number;
}

/** Places a label under x at the first free level; when none is free, clips the oldest one. */
function place(lane: Lane, x: number, node: HTMLElement, text: string): void {
  let level = lane.levels.findIndex((l) => l.end <= x);
  if (level < 0) {
    level = 0;
    for (let i = 1; i < LEVELS; i++) {
      if ((lane.levels[i]?.end ?? 0) < (lane.levels[level]?.end ?? 0)) level = i;
    }
    const crowded = lane.levels[level];
    if (crowded?.node) crowded.node.style.maxWidth = `${Math.max(12, x - crowded.x - 3)}px`;
  }
  node.style.left = `${x}px`;
  node.classList.add(`level-${level}`);
  lane.levels[level] = { end: x + Math.min(LABEL_MAX, 7 * text.length + 10), x, node };
  lane.track.appendChild(node);
}

function label(text: string, className: string, title: string): HTMLElement {
  const node = el('span', className, text);
  node.title = title;
  return node;
}

function mark(item: Item, x: number): HTMLButtonElement {
  const e = item.event;
  const risk = riskOf(e);
  const button = el('button', `mark ${kindOf(e)}${risk ? ` risk-${risk}` : ''}`);
  button.type = 'button';
  button.dataset.id = e.id;
  button.dataset.type = e.type;
  button.tabIndex = -1;
  button.style.left = `${x - 6}px`;
  const text = `${describe(e)} at ${clock(item.at)}`;
  button.setAttribute('aria-label', text);
  button.setAttribute('aria-pressed', 'false');
  button.title = text;
  return button;
}

export class LanesDrawing {
  readonly box = el('div', 'tl-scroll');
  /** The marks, in time order. */
  readonly marks: HTMLButtonElement[] = [];
  readonly #model: SessionModel;
  readonly #shown: string;
  /** Whether the window ends with the newest event: open spans then grow to now. */
  readonly #tail: boolean;
  readonly #x = new Map<Item, number>();
  readonly #tracks: HTMLElement[] = [];
  readonly #lanes = new Map<string, Lane>();
  readonly #bars = new Map<Span, Bar>();
  readonly #axis: HTMLElement;
  #at = STEP;
  #last: Item | null = null;
  #lastTick = Number.NEGATIVE_INFINITY;
  #drawnWidth = 0;

  /** Draws `window` (consecutive shown items); only the lane `shown` when one is named. */
  constructor(
    model: SessionModel,
    window: readonly Item[],
    shown: string,
    tail: boolean,
    now: number,
  ) {
    this.#model = model;
    this.#shown = shown;
    this.#tail = tail;
    this.#axis = this.#track();
    const word = this.#word();
    this.box.appendChild(add(el('div', 'axis'), el('div', 'lane-name', word), this.#axis));
    for (const name of model.laneNames) this.#lane(name);
    this.#place(window);
    // Spans that began before the window and end in it or after it.
    const first = window[0];
    if (first) {
      for (const span of model.spans) {
        if (span.startAt >= first.at || (span.endAt !== null && span.endAt < first.at)) continue;
        const start = model.item(span.start.id);
        if (start) this.#bar(span, start, STEP / 2, now);
      }
    }
    this.#draw(window, now);
  }

  /** Draws `items`, newer than all drawn; `closed`: spans they ended. */
  append(items: readonly Item[], closed: readonly Span[], now: number): void {
    this.#place(items);
    this.#draw(items, now);
    for (const span of closed) {
      const bar = this.#bars.get(span);
      const end = span.end && this.#model.item(span.end.id);
      if (!bar || !end) continue;
      bar.bar.className = `span ${span.kind} ${span.status}`;
      bar.bar.style.width = `${Math.max(4, (this.#x.get(end) ?? this.#width(now)) - bar.x0)}px`;
      bar.bar.title = spanTitle(span, now);
      if (bar.label) bar.label.textContent = spanLabel(span, now);
    }
  }

  /** Grows the open spans (and their labels) to `now`. */
  refresh(now: number): void {
    const open = [...this.#bars.values()].filter((b) => b.span.end === null);
    if (open.length === 0) return;
    this.#widen(now);
    for (const o of open) {
      if (this.#tail) o.bar.style.width = `${Math.max(4, this.#nowX(now) - o.x0)}px`;
      if (o.label) o.label.textContent = spanLabel(o.span, now);
    }
  }

  #word(): string {
    const mode = this.#model.mode;
    return mode === 'stage' ? 'stage' : mode === 'agent' ? 'agent' : '';
  }

  #track(): HTMLElement {
    const track = el('div', 'track');
    this.#tracks.push(track);
    return track;
  }

  /** The lane's row, made (at the bottom) when first needed; undefined when filtered out. */
  #lane(name: string): Lane | undefined {
    if (this.#shown && name !== this.#shown) return undefined;
    const known = this.#lanes.get(name);
    if (known) return known;
    const track = this.#track();
    if (this.#drawnWidth) track.style.width = `${this.#drawnWidth}px`;
    const levels = Array.from({ length: LEVELS }, () => ({ end: 0, x: 0, node: null }));
    const lane: Lane = { track, levels };
    this.#lanes.set(name, lane);
    const row = add(el('div', 'lane'), el('div', 'lane-name', name), track);
    row.dataset.lane = name;
    row.setAttribute('role', 'group');
    const word = this.#word();
    row.setAttribute('aria-label', word ? `${word} ${name}` : name);
    this.box.appendChild(row);
    return lane;
  }

  #place(items: readonly Item[]): void {
    for (const item of items) {
      if (this.#last !== null) this.#at += gap(item.at - this.#last.at);
      this.#x.set(item, this.#at);
      this.#last = item;
      if (this.#at - this.#lastTick < 130) continue;
      this.#lastTick = this.#at;
      const tick = el('span', 'tick', clock(item.at));
      tick.style.left = `${this.#at}px`;
      this.#axis.appendChild(tick);
    }
  }

  #nowX(now: number): number {
    return this.#at + gap(now - (this.#last?.at ?? now));
  }

  #width(now: number): number {
    return Math.max(this.#at, this.#tail ? this.#nowX(now) : this.#at) + 240;
  }

  /** Widens the tracks, by 1,000 px at a time so that most appends lay out only what they add. */
  #widen(now: number): void {
    const width = Math.ceil(this.#width(now) / 1000) * 1000;
    if (width === this.#drawnWidth) return;
    this.#drawnWidth = width;
    for (const track of this.#tracks) track.style.width = `${width}px`;
  }

  #bar(span: Span, start: Item, x0: number, now: number): Bar | undefined {
    const lane = this.#lane(start.lane);
    if (!lane) return undefined;
    const end = span.end ? this.#model.item(span.end.id) : undefined;
    const x1 = end
      ? (this.#x.get(end) ?? this.#width(now) - STEP)
      : this.#tail
        ? this.#nowX(now)
        : this.#width(now) - STEP;
    const bar = el('div', `span ${span.kind} ${span.status}`);
    bar.style.left = `${x0}px`;
    bar.style.width = `${Math.max(4, x1 - x0)}px`;
    bar.title = spanTitle(span, now);
    lane.track.appendChild(bar);
    const text = this.#x.has(start)
      ? label(spanLabel(span, now), 'label span-label', bar.title)
      : null;
    const drawn = { span, bar, label: text, x0 };
    this.#bars.set(span, drawn);
    return drawn;
  }

  #draw(items: readonly Item[], now: number): void {
    this.#widen(now);
    for (const item of items) {
      const x = this.#x.get(item) ?? 0;
      const row = this.#model.rows[item.rowIndex];
      const span = row?.item === item ? row.span : null;
      const bar = span ? this.#bar(span, item, x, now) : undefined;
      const lane = this.#lane(item.lane);
      if (!lane) continue;
      const button = mark(item, x);
      this.marks.push(button);
      lane.track.appendChild(button);
      if (bar?.label) {
        place(lane, x - 6, bar.label, bar.label.textContent ?? '');
      } else if (row?.item === item) {
        // A span's end has no label of its own: its span's says it.
        const text = labelOf(item.event);
        const className = isError(item.event) ? 'label err-label' : 'label';
        place(lane, x - 6, label(text, className, button.title), text);
      }
    }
  }
}
