import { add, el } from './dom.js';
import type { Item, SessionModel } from './model/model.js';
import type { Span } from './model/spans.js';
import { LanesDrawing } from './track.js';

/**
 * The lanes over a window of the shown events: at most {@link WINDOW} marks are drawn, the
 * window moves with the waterfall's view and with the selection, and it follows the newest
 * events while it holds them. The arrow keys move between marks (left/right in time, beyond the
 * window too; up/down across lanes), Home/End jump, Escape clears the selection.
 * @internal
 */

const WINDOW = 400;
const MARGIN = 40;
/** Live events appended past WINDOW before the window is drawn again from its newest end. */
const SLACK = 200;

export interface LanesHooks {
  select(item: Item | null, focus: boolean): void;
}

function legend(): HTMLElement {
  const box = el('p', 'legend');
  const items: [string, string][] = [
    ['mark k-tool risk-low', 'tool, low risk'],
    ['mark k-tool risk-high', 'tool, high risk'],
    ['span tool ok', 'tool call'],
    ['mark k-llm', 'model call'],
    ['mark k-agent', 'agent switch / call'],
    ['mark k-approval', 'approval'],
    ['mark k-warn', 'approval warning'],
    ['mark k-error', 'error'],
    ['mark k-other', 'other'],
  ];
  for (const [className, text] of items)
    box.appendChild(add(el('span'), el('span', className), text));
  box.setAttribute('aria-hidden', 'true');
  return box;
}

export class LanesView {
  readonly element = el('div', 'lanes');
  readonly #hooks: LanesHooks;
  readonly #legend = legend();
  #model: SessionModel | null = null;
  #items: readonly Item[] = [];
  #lane = '';
  #start = 0;
  #end = 0;
  #drawing: LanesDrawing | null = null;
  #marks = new Map<string, HTMLButtonElement>();
  #selected: string | null = null;

  constructor(hooks: LanesHooks) {
    this.#hooks = hooks;
  }

  /** Shows `items` (the shown events, in time order) from the first. */
  show(model: SessionModel, items: readonly Item[], lane: string): void {
    this.#model = model;
    this.#items = items;
    this.#lane = lane;
    this.#start = 0;
    this.#end = Math.min(items.length, WINDOW);
    this.#draw(false);
  }

  /**
   * `items` grew from `before`: a window that held the newest events takes the new ones (drawn
   * onto what is there); spans they closed are redrawn where they are drawn.
   */
  appended(
    items: readonly Item[],
    before: number,
    closed: readonly Span[],
    atRight: boolean,
  ): void {
    this.#items = items;
    const drawing = this.#drawing;
    if (!drawing || this.#end !== before) {
      drawing?.append([], closed, Date.now());
      if (!drawing && items.length > 0) this.show(this.#model as SessionModel, items, this.#lane);
      return;
    }
    this.#end = items.length;
    if (this.#end - this.#start > WINDOW + SLACK) {
      this.#start = this.#end - WINDOW;
      this.#draw(true);
      return;
    }
    const box = drawing.box;
    const from = drawing.marks.length;
    drawing.append(items.slice(before), closed, Date.now());
    for (const m of drawing.marks.slice(from)) {
      this.#marks.set(m.dataset.id ?? '', m);
      m.setAttribute('aria-pressed', String(m.dataset.id === this.#selected));
    }
    // Scrolled in the next frame, with the layout it needs anyway.
    if (atRight) requestAnimationFrame(() => (box.scrollLeft = box.scrollWidth));
  }

  /** Whether the lanes are scrolled to their right end (read before changing the page). */
  get atRight(): boolean {
    const box = this.#drawing?.box;
    return box !== undefined && box.scrollLeft + box.clientWidth >= box.scrollWidth - 8;
  }

  /** Moves the window to hold the `index`-th shown event when it is near or past an edge. */
  follow(index: number): void {
    if (!this.#needsMove(index)) return;
    this.#centre(index);
    this.#reveal(this.#items[index]);
  }

  select(item: Item | null, index: number, focus: boolean): void {
    this.#selected = item?.event.id ?? null;
    if (item && index >= 0 && this.#needsMove(index)) this.#centre(index);
    for (const [id, m] of this.#marks)
      m.setAttribute('aria-pressed', String(id === this.#selected));
    const target = item ? this.#marks.get(item.event.id) : undefined;
    if (!target) return;
    for (const m of this.#marks.values()) m.tabIndex = -1;
    target.tabIndex = 0;
    if (focus) {
      target.focus();
      target.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    } else {
      this.#reveal(item ?? undefined);
    }
  }

  refresh(now: number): void {
    this.#drawing?.refresh(now);
  }

  #needsMove(index: number): boolean {
    if (index < 0 || index >= this.#items.length) return false;
    return (
      index < this.#start ||
      index >= this.#end ||
      (index < this.#start + MARGIN && this.#start > 0) ||
      (index >= this.#end - MARGIN && this.#end < this.#items.length)
    );
  }

  #centre(index: number): void {
    this.#start = Math.max(0, Math.min(index - WINDOW / 4, this.#items.length - WINDOW));
    this.#end = Math.min(this.#items.length, this.#start + WINDOW);
    this.#draw(false);
  }

  /** Scrolls the lanes sideways to show the mark of `item`, when it is out of view. */
  #reveal(item: Item | undefined): void {
    const box = this.#drawing?.box;
    const mark = item && this.#marks.get(item.event.id);
    if (!box || !mark) return;
    const x = mark.offsetLeft;
    if (x < box.scrollLeft + 150 || x > box.scrollLeft + box.clientWidth - 40) {
      box.scrollLeft = Math.max(0, x - box.clientWidth / 3);
    }
  }

  #draw(followRight: boolean): void {
    const model = this.#model;
    const old = this.#drawing?.box;
    const atRight = old !== undefined && old.scrollLeft + old.clientWidth >= old.scrollWidth - 8;
    const left = old?.scrollLeft ?? 0;
    const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const refocus = focused?.classList.contains('mark') ? focused.dataset.id : undefined;
    if (!model || this.#items.length === 0) {
      this.#drawing = null;
      this.#marks = new Map();
      this.element.replaceChildren(el('p', 'state', 'No events match.'));
      return;
    }
    const window = this.#items.slice(this.#start, this.#end);
    const tail = this.#end === this.#items.length;
    const drawing = new LanesDrawing(model, window, this.#lane, tail, Date.now());
    this.#drawing = drawing;
    this.#marks = new Map(drawing.marks.map((m) => [m.dataset.id ?? '', m]));
    drawing.box.addEventListener('keydown', (event) => this.#key(event));
    drawing.box.addEventListener('click', (event) => {
      const mark = (event.target as Element).closest<HTMLElement>('.mark');
      const item = mark?.dataset.id ? model.item(mark.dataset.id) : undefined;
      if (item) this.#hooks.select(item, true);
    });
    this.element.replaceChildren(drawing.box, this.#legend);
    const keep = (this.#selected && this.#marks.get(this.#selected)) || drawing.marks[0];
    if (keep) keep.tabIndex = 0;
    if (this.#selected) this.#marks.get(this.#selected)?.setAttribute('aria-pressed', 'true');
    if (refocus) this.#marks.get(refocus)?.focus({ preventScroll: true });
    drawing.box.scrollLeft = followRight && atRight ? drawing.box.scrollWidth : left;
  }

  #key(event: KeyboardEvent): void {
    const mark = (event.target as Element).closest<HTMLElement>('.mark');
    const model = this.#model;
    const item = mark?.dataset.id ? model?.item(mark.dataset.id) : undefined;
    if (!mark || !item) return;
    const at = this.#start + [...this.#marks.keys()].indexOf(item.event.id);
    let next: Item | null | undefined;
    if (event.key === 'ArrowRight') next = this.#items[at + 1];
    else if (event.key === 'ArrowLeft') next = this.#items[at - 1];
    else if (event.key === 'Home') next = this.#items[0];
    else if (event.key === 'End') next = this.#items[this.#items.length - 1];
    else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      const id = this.#nearestInLane(mark, event.key === 'ArrowDown' ? 1 : -1)?.dataset.id;
      next = id ? model?.item(id) : undefined;
    } else if (event.key === 'Escape') next = null;
    else return;
    event.preventDefault();
    if (next !== undefined) this.#hooks.select(next, next !== null);
  }

  /** The mark nearest in x on the next lane down (or up) that has one. */
  #nearestInLane(from: HTMLElement, step: number): HTMLElement | null {
    const lanes = [...(this.#drawing?.box.querySelectorAll<HTMLElement>('.lane') ?? [])];
    const x = from.offsetLeft;
    for (
      let i = lanes.indexOf(from.closest('.lane') as HTMLElement) + step;
      i >= 0 && i < lanes.length;
      i += step
    ) {
      let best: HTMLElement | null = null;
      for (const m of lanes[i]?.querySelectorAll<HTMLElement>('.mark') ?? []) {
        if (!best || Math.abs(m.offsetLeft - x) < Math.abs(best.offsetLeft - x)) best = m;
      }
      if (best) return best;
    }
    return null;
  }
}
