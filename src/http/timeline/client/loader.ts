import { ApiError, api, type Params } from './api.js';
import { startLive } from './live.js';
import type { TimelineEvent } from './model/event.js';
import { type Change, SessionModel } from './model/model.js';

/**
 * Reads a session into its model: the stream is opened first, then the history oldest first, a
 * small page and then 500 at a time through the list route's cursor. Live events that come while
 * history still loads wait until it has (they are newer than all of it), so nothing is sorted
 * again; after that, each burst (50 ms) is appended and its main-thread work, layout included,
 * is measured (`timeline:live-append`) for `npm run bench -- timeline`.
 * @internal
 */

/** The first page is small, to draw soon; the rest load 500 at a time (the routes' default maximum). */
const FIRST_PAGE = 100;
const PAGE = 500;
const BURST_MS = 50;

interface Page {
  readonly items: TimelineEvent[];
  readonly nextCursor?: string | null;
}

export interface LoaderHooks {
  /** The first page is in a new model: draw everything. */
  first(): void;
  /** More history, or a live burst, changed the model. */
  changed(change: Change): void;
  /** The whole history is in. */
  done(): void;
  /** The list route refused the filters (a 400): its message. */
  refused(message: string): void;
}

export class SessionLoader {
  model = new SessionModel();
  readonly #hooks: LoaderHooks;
  #generation = 0;
  #loading = false;
  #held: TimelineEvent[] = [];
  #queue: TimelineEvent[] = [];
  #flush = 0;

  constructor(hooks: LoaderHooks) {
    this.#hooks = hooks;
  }

  /** Whether older pages are still being read. */
  get loading(): boolean {
    return this.#loading;
  }

  /** Reads the events of `query` afresh; a later call ends this one's reads. */
  async load(query: Params): Promise<void> {
    const generation = ++this.#generation;
    this.model = new SessionModel();
    this.#held = [];
    this.#queue = [];
    this.#loading = true;
    await startLive(query, (event) => this.#onLive(event));
    let page: Page = { items: [] };
    try {
      page = await api<Page>('events', { ...query, order: 'asc', limit: FIRST_PAGE });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 400) throw error;
      this.#hooks.refused(error.message);
    }
    if (generation !== this.#generation) return;
    this.model.add(page.items);
    this.#hooks.first();
    let cursor = page.nextCursor ?? null;
    while (cursor !== null) {
      const next = await api<Page>('events', { ...query, order: 'asc', limit: PAGE, cursor });
      if (generation !== this.#generation) return;
      cursor = next.nextCursor ?? null;
      this.#hooks.changed(this.model.add(next.items));
    }
    this.#loading = false;
    this.#hooks.changed(this.model.add(this.#held));
    this.#held = [];
    this.#hooks.done();
  }

  #onLive(event: TimelineEvent): void {
    if (this.#loading) {
      this.#held.push(event);
      return;
    }
    this.#queue.push(event);
    if (!this.#flush) this.#flush = window.setTimeout(() => this.#flushLive(), BURST_MS);
  }

  #flushLive(): void {
    const start = performance.now();
    this.#flush = 0;
    const burst = this.#queue;
    this.#queue = [];
    this.#hooks.changed(this.model.add(burst));
    void document.body.offsetHeight;
    performance.measure('timeline:live-append', { start, end: performance.now() });
  }
}
