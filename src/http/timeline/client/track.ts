import { add, el } from './dom.js';
import { isError } from './model/event.js';
import { clock } from './model/format.js';
import { describe, kindOf, labelOf, riskOf, spanLabel, spanTitle } from './model/labels.js';
import type { Item, SessionModel } from './model/model.js';
import type { Span } from './model/spans.js';

/**
 * The lanes of a window of the session (at most a few hundred events, so the DOM stays bounded
 * however long the session): one lane per agent (or stage), a time axis with idle gaps
 * compressed, a mark per event with its label, tool calls and approvals as spans.
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

/** The drawn window: its marks in time order, and how to grow its open spans. */
export interface LanesDrawing {
  readonly box: HTMLElement;
  readonly marks: HTMLButtonElement[];
  /** Grows the open spans (and their labels) to `now`. */
  refresh(now: number): void;
}

interface OpenBar {
  readonly span: Span;
  readonly bar: HTMLElement;
  readonly label: HTMLElement | null;
  readonly x0: number;
}

/**
 * Draws `window` (consecutive shown items). `tail`: the window ends with the newest event, so
 * open spans grow to now; elsewhere they run to the window's edge.
 */
export function drawLanes(
  model: SessionModel,
  window: readonly Item[],
  shown: string,
  tail: boolean,
  now: number,
): LanesDrawing {
  const x = new Map<Item, number>();
  let at = STEP;
  let previous: Item | null = null;
  for (const item of window) {
    if (previous !== null) at += gap(item.at - previous.at);
    x.set(item, at);
    previous = item;
  }
  const lastAt = previous?.at ?? now;
  const nowX = (t: number) => at + gap(t - lastAt);
  const box = el('div', 'tl-scroll');
  const width = (t: number) => Math.max(at, tail ? nowX(t) : at) + 240;
  const tracks: HTMLElement[] = [];
  const newTrack = () => {
    const track = el('div', 'track');
    track.style.width = `${width(now)}px`;
    tracks.push(track);
    return track;
  };
  const axis = newTrack();
  let lastTick = Number.NEGATIVE_INFINITY;
  for (const [item, ix] of x) {
    if (ix - lastTick < 130) continue;
    lastTick = ix;
    const tick = el('span', 'tick', clock(item.at));
    tick.style.left = `${ix}px`;
    axis.appendChild(tick);
  }
  const word = model.mode === 'stage' ? 'stage' : model.mode === 'agent' ? 'agent' : '';
  box.appendChild(add(el('div', 'axis'), el('div', 'lane-name', word), axis));
  const lanes = new Map<string, Lane>();
  for (const name of model.laneNames) {
    if (shown && name !== shown) continue;
    const track = newTrack();
    lanes.set(name, {
      track,
      levels: Array.from({ length: LEVELS }, () => ({ end: 0, x: 0, node: null })),
    });
    const row = add(el('div', 'lane'), el('div', 'lane-name', name), track);
    row.dataset.lane = name;
    row.setAttribute('role', 'group');
    row.setAttribute('aria-label', word ? `${word} ${name}` : name);
    box.appendChild(row);
  }

  // Spans that overlap the window; an end outside it runs to the window's edge.
  const first = window[0];
  const open: OpenBar[] = [];
  const spanLabels = new Map<Item, HTMLElement>();
  const firstAt = first?.at ?? now;
  for (const span of first ? model.spans : []) {
    if (span.startAt > lastAt || (span.endAt !== null && span.endAt < firstAt)) continue;
    const start = model.item(span.start.id);
    const lane = start && lanes.get(start.lane);
    if (!start || !lane) continue;
    const end = span.end ? model.item(span.end.id) : undefined;
    const x0 = x.get(start) ?? STEP / 2;
    const x1 = end ? (x.get(end) ?? width(now) - STEP) : tail ? nowX(now) : width(now) - STEP;
    const bar = el('div', `span ${span.kind} ${span.status}`);
    bar.style.left = `${x0}px`;
    bar.style.width = `${Math.max(4, x1 - x0)}px`;
    bar.title = spanTitle(span, now);
    lane.track.appendChild(bar);
    let text: HTMLElement | null = null;
    if (x.has(start)) {
      text = label(spanLabel(span, now), 'label span-label', bar.title);
      spanLabels.set(start, text);
    }
    if (span.end === null) open.push({ span, bar, label: text, x0 });
  }

  const marks: HTMLButtonElement[] = [];
  for (const [item, ix] of x) {
    const lane = lanes.get(item.lane);
    if (!lane) continue;
    const button = mark(item, ix);
    marks.push(button);
    lane.track.appendChild(button);
    const spanText = spanLabels.get(item);
    if (spanText) {
      place(lane, ix - 6, spanText, spanText.textContent ?? '');
      continue;
    }
    const row = model.rows[item.rowIndex];
    if (row?.item !== item) continue; // a span's end: the span's label says it
    const text = labelOf(item.event);
    place(
      lane,
      ix - 6,
      label(text, isError(item.event) ? 'label err-label' : 'label', button.title),
      text,
    );
  }

  return {
    box,
    marks,
    refresh(t: number) {
      if (open.length === 0) return;
      for (const track of tracks) track.style.width = `${width(t)}px`;
      for (const o of open) {
        if (tail) o.bar.style.width = `${Math.max(4, nowX(t) - o.x0)}px`;
        if (o.label) o.label.textContent = spanLabel(o.span, t);
      }
    },
  };
}
