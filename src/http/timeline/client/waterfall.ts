import { el } from './dom.js';

/**
 * A virtualised list: the rows of the whole session are laid out by height alone and only those
 * in view (and a few either side) are in the DOM, so 100,000 rows cost what 40 do. One focusable
 * grid; the arrow keys, Page Up/Down, Home and End move the selection.
 * @internal
 */

/** Height of a row in px (CSS `.wf-row` height). */
export const ROW_HEIGHT = 26;
const OVERSCAN = 6;

export interface WaterfallHooks<R> {
  /** The row element of `row`, the `position`-th shown. */
  draw(row: R, position: number): HTMLElement;
  /** The reader moved the selection to `position`. */
  select(position: number): void;
  /** The first row in view is now `position`. */
  view(position: number): void;
  /** Whether `row` may still change (it is drawn again on every draw). */
  changing(row: R): boolean;
}

export class Waterfall<R> {
  readonly element: HTMLElement;
  readonly #scroll: HTMLElement;
  readonly #space: HTMLElement;
  readonly #body: HTMLElement;
  readonly #hooks: WaterfallHooks<R>;
  #rows: readonly R[] = [];
  #active = -1;
  #frame = 0;
  /** The scroll box's height, as last read when the layout was clean. */
  #height = 600;
  readonly #drawn = new Map<number, { row: R; node: HTMLElement; changing: boolean }>();

  constructor(header: HTMLElement, hooks: WaterfallHooks<R>) {
    this.#hooks = hooks;
    this.element = el('div', 'wf');
    this.element.id = 'waterfall';
    this.element.tabIndex = 0;
    this.element.setAttribute('role', 'grid');
    this.element.setAttribute('aria-label', 'Waterfall: one row per event or span, in time order');
    this.#scroll = el('div', 'wf-scroll');
    this.#scroll.setAttribute('role', 'rowgroup');
    this.#space = el('div', 'wf-space');
    this.#body = el('div', 'wf-body');
    this.#space.appendChild(this.#body);
    this.#scroll.appendChild(this.#space);
    header.setAttribute('role', 'row');
    header.setAttribute('aria-rowindex', '1');
    this.element.append(header, this.#scroll);
    this.#scroll.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.element.addEventListener('keydown', (event) => this.#key(event));
    this.#body.addEventListener('click', (event) => {
      const row = (event.target as Element).closest<HTMLElement>('.wf-row');
      if (row?.dataset.position) this.#move(Number(row.dataset.position), false);
    });
  }

  get active(): number {
    return this.#active;
  }

  /** Whether the last row is in view (new rows then keep it so). */
  get atEnd(): boolean {
    const s = this.#scroll;
    return s.scrollTop + s.clientHeight >= s.scrollHeight - ROW_HEIGHT;
  }

  /** Shows `rows` (the array is read again on every draw: rows pushed to it are shown after `grew`). */
  setRows(rows: readonly R[]): void {
    this.#rows = rows;
    this.#drawn.clear();
    this.#body.replaceChildren();
    this.#height = this.#scroll.clientHeight || this.#height;
    if (this.#active >= rows.length) this.#active = -1;
    this.grew(false);
  }

  /** Rows were appended; with `follow`, the view stays at the end. */
  grew(follow: boolean): void {
    this.element.setAttribute('aria-rowcount', String(this.#rows.length + 1));
    this.#space.style.height = `${this.#rows.length * ROW_HEIGHT}px`;
    if (!follow) {
      this.draw();
      return;
    }
    // Written, not read back: reading the geometry here would lay the page out once more.
    const top = Math.max(0, this.#rows.length * ROW_HEIGHT - this.#height);
    this.#scroll.scrollTop = top;
    this.draw(top);
  }

  /** Marks `position` as the selected row; with `reveal`, scrolls it into view. */
  activate(position: number, reveal: boolean): void {
    this.#active = position;
    if (reveal && position >= 0) {
      const s = this.#scroll;
      const top = position * ROW_HEIGHT;
      if (top < s.scrollTop) s.scrollTop = top;
      else if (top + ROW_HEIGHT > s.scrollTop + s.clientHeight) {
        s.scrollTop = top + ROW_HEIGHT - s.clientHeight;
      }
    }
    this.draw();
  }

  schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#height = this.#scroll.clientHeight || this.#height;
      this.draw();
      this.#hooks.view(Math.floor(this.#scroll.scrollTop / ROW_HEIGHT));
    });
  }

  /**
   * Draws the rows in view now (`top`: the scroll position, when the caller just set it). Rows
   * already drawn stay as they are, unless they were still changing (an open span).
   */
  draw(top = this.#scroll.scrollTop): void {
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(
      this.#rows.length,
      Math.ceil((top + this.#height) / ROW_HEIGHT) + OVERSCAN,
    );
    for (const [i, drawn] of this.#drawn) {
      if (i >= first && i < last && drawn.row === this.#rows[i] && !drawn.changing) continue;
      drawn.node.remove();
      this.#drawn.delete(i);
    }
    for (let i = first; i < last; i++) {
      const row = this.#rows[i] as R;
      const drawn = this.#drawn.get(i);
      if (drawn) {
        if ((drawn.node.getAttribute('aria-selected') === 'true') !== (i === this.#active)) {
          drawn.node.setAttribute('aria-selected', String(i === this.#active));
        }
        continue;
      }
      const node = this.#hooks.draw(row, i);
      node.classList.add('wf-row');
      node.id = `wf-row-${i}`;
      node.dataset.position = String(i);
      node.style.top = `${i * ROW_HEIGHT}px`;
      node.setAttribute('role', 'row');
      node.setAttribute('aria-rowindex', String(i + 2));
      node.setAttribute('aria-selected', String(i === this.#active));
      this.#body.appendChild(node);
      this.#drawn.set(i, { row, node, changing: this.#hooks.changing(row) });
    }
    if (this.#active >= first && this.#active < last) {
      this.element.setAttribute('aria-activedescendant', `wf-row-${this.#active}`);
    } else {
      this.element.removeAttribute('aria-activedescendant');
    }
  }

  #move(position: number, reveal: boolean): void {
    if (this.#rows.length === 0) return;
    const p = Math.max(0, Math.min(this.#rows.length - 1, position));
    this.activate(p, reveal);
    this.#hooks.select(p);
  }

  #key(event: KeyboardEvent): void {
    const page = Math.max(1, Math.floor(this.#scroll.clientHeight / ROW_HEIGHT) - 1);
    const at = this.#active < 0 ? -1 : this.#active;
    const moves: Record<string, number> = {
      ArrowDown: at + 1,
      ArrowUp: at < 0 ? 0 : at - 1,
      PageDown: at + page,
      PageUp: at - page,
      Home: 0,
      End: this.#rows.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    this.#move(target, true);
  }
}
