import type { EventRecord } from '../../event/types.js';
import { comparePositions, type StreamPosition } from '../read/position.js';
import { SubscriberLaggedError } from './errors.js';
import type { PendingMarker, StreamMarker } from './markers.js';
import { MAX_SETTLE_RETRY_MS, SETTLE_RETRY_MS } from './reader.js';
import { SharedEvent } from './shared-event.js';

/** One event of a subscription, with the cursor to resume after it. */
export interface StreamEvent {
  /** The event. */
  readonly event: EventRecord;
  /**
   * Pass as `from` (or send as SSE `Last-Event-ID`) to resume right after this event. Signed
   * (HMAC) when first read, then kept.
   */
  readonly cursor: string;
}

/** An event read for subscribers, where it stands in stream order. @internal */
export interface StreamItem {
  readonly record: EventRecord;
  readonly position: StreamPosition;
  /**
   * The event as last handed out, with its cursor for one binding: the subscribers of that
   * binding take this same object.
   */
  shared?: SharedEvent;
}

/** The counters a stream keeps of its subscriptions. @internal */
export interface SubscriptionCounters {
  /** Events taken by consumers. */
  delivered: number;
  /** Subscriptions ended for lagging. */
  lagged: number;
}

/** What a subscription needs of its {@link EventStream}. @internal */
export interface Feed {
  /**
   * Live events come in commit order (from the WAL), each with the position a cursor resumes
   * from, not in stream order: none is compared with where the subscriber stands.
   */
  readonly commitOrder: boolean;
  readonly bufferSize: number;
  readonly readSize: number;
  readonly counters: SubscriptionCounters;
  /** Where the shared reader stands: every row up to it has been read and handed out. */
  head(): StreamPosition;
  /**
   * From now on, hand the subscriber every live event of its scope; false when it cannot yet
   * (from the WAL: events held for it while it read its history were let go, so it reads
   * once more first).
   */
  join(sub: AnySubscription): boolean;
  leave(sub: AnySubscription): void;
  cursor(position: StreamPosition, binding: string): string;
  /**
   * Calls `callback` soon, in one microtask with every other callback asked for meanwhile (all
   * the subscribers a read woke up, together).
   */
  wake(callback: () => void): void;
}

/**
 * Where a subscription starts reading, up to where its history can be read at once (`settled`,
 * the settled mark then), and up to where it is what existed when it started (`target`, the
 * snapshot's xmax then, at or above `settled`: a transaction open then may hold back events
 * that committed before): once it has yielded everything up to `target`, it is caught up.
 * @internal
 */
export interface SubscriptionStart {
  readonly position: StreamPosition;
  readonly settled: StreamPosition;
  readonly target: StreamPosition;
}

/** Whose events a subscription takes, and how it reads its history. @internal */
export interface SubscriptionTarget {
  readonly userId: string;
  readonly matches: (record: EventRecord) => boolean;
  /** Equal for subscriptions whose `matches` take the same events (same scope and filters). */
  readonly matchKey: string;
  /** What its cursors are bound to (schema, scope, filters). */
  readonly binding: string;
  /** Where it starts, and what it has to read to be caught up (see `options.from`). */
  readonly start: () => Promise<SubscriptionStart>;
  /** The settled mark now: history can be read up to it. */
  readonly mark: () => Promise<StreamPosition>;
  /** Whether it yields {@link StreamMarker}s among its events. */
  readonly markers: boolean;
  /** Its rows after `after`, up to `upTo`, at most `limit`, in stream order. */
  readonly history: (
    after: StreamPosition,
    upTo: StreamPosition,
    limit: number,
  ) => Promise<StreamItem[]>;
}

/** A page of history read up to `upTo`; `full` when there may be more before it. */
interface HistoryPage {
  readonly items: StreamItem[];
  readonly upTo: StreamPosition;
  readonly full: boolean;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * One subscriber: an async iterator of its events (and, made with `markers: true`, of
 * {@link StreamMarker}s: `T` says which), history first (read by itself, one batch at a time:
 * the next one while the consumer takes the current one, never more ahead) and then live
 * (handed over by the shared reader, at most `bufferSize` waiting). Iterate it with
 * `for await`; `break` (`return()`), the signal, or the stream's `close()` end it. One `next()`
 * at a time.
 *
 * A writer of many subscriptions (an SSE server) may drive it without a promise per event
 * instead: `take()` what is buffered, then `onReady(callback)` to be called back when there may
 * be more, or when it has ended (then `endError` says why).
 */
export class Subscription<T extends StreamEvent | StreamMarker = StreamEvent>
  implements AsyncIterableIterator<T>
{
  /** @internal */ readonly userId: string;
  /** @internal */ readonly matches: (record: EventRecord) => boolean;
  /** @internal */ readonly matchKey: string;
  readonly #feed: Feed;
  readonly #binding: string;
  readonly #start: SubscriptionTarget['start'];
  readonly #mark: SubscriptionTarget['mark'];
  readonly #history: SubscriptionTarget['history'];
  readonly #markers: boolean;
  #buffer: StreamItem[] = [];
  /** Markers to yield before the events buffered (only with `markers: true`). */
  #pending: PendingMarker[] = [];
  #next = 0;
  /** How far this subscriber has read (history) or been handed (live). */
  #read: StreamPosition | undefined;
  /** The position of the last event handed to the consumer. */
  #taken: StreamPosition | undefined;
  /** Where the subscription is caught up: the snapshot's xmax when it started. */
  #target: StreamPosition | undefined;
  /** Up to where its history can be read: a settled mark it read. */
  #settled: StreamPosition | undefined;
  /** The next wait for the settled mark to pass the target, in ms. */
  #settleDelay = SETTLE_RETRY_MS;
  /** Ends that wait early (at `end()`). */
  #stopWait: (() => void) | undefined;
  #live = false;
  #caughtUp = false;
  #end: { error?: unknown } | undefined;
  #wake: (() => void) | undefined;
  /** A history read (or the join to the live events) is under way. */
  #catchingUp = false;
  /** The next page of history, read while the consumer takes the current one. */
  #ahead: Promise<HistoryPage> | undefined;

  /** @internal */
  constructor(feed: Feed, target: SubscriptionTarget) {
    this.#feed = feed;
    this.userId = target.userId;
    this.matches = target.matches;
    this.matchKey = target.matchKey;
    this.#binding = target.binding;
    this.#start = target.start;
    this.#mark = target.mark;
    this.#history = target.history;
    this.#markers = target.markers;
  }

  /** Events (and markers) read and waiting to be taken. */
  get buffered(): number {
    return this.#events + this.#pending.length;
  }

  /** Events read and waiting to be taken. */
  get #events(): number {
    return this.#buffer.length - this.#next;
  }

  /**
   * Whether it has handed out every event that existed when it started (that had committed
   * then, see {@link StreamMarker}) and is not behind: false while it reads its history, and again from when more than
   * half of `bufferSize` events wait to be taken until they all have been (what the
   * `caught-up` and `fell-behind` markers say, in the iteration).
   */
  get caughtUp(): boolean {
    return this.#caughtUp;
  }

  /** Whether the subscription has ended (its iteration finishes once its buffer is taken). */
  get ended(): boolean {
    return this.#end !== undefined;
  }

  /** The cursor of the last event taken, or of where the subscription started. */
  get cursor(): string | undefined {
    return this.#taken && this.#feed.cursor(this.#taken, this.#binding);
  }

  /** The subscription is its own iterator: `for await (const item of subscription)`. */
  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * The next event (or marker), waiting for one to commit when none is buffered; done when the
   * subscription has ended quietly, rejects with the error that ended it otherwise.
   */
  async next(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      const value = this.take();
      if (value !== undefined) return { done: false, value };
      if (this.#end !== undefined) {
        const { error } = this.#end;
        this.#end = {};
        if (error !== undefined) throw error;
        return DONE;
      }
      await new Promise<void>((resolve) => this.onReady(resolve));
    }
  }

  /**
   * Calls `callback` once, in a microtask (never inside the shared reader's hand-over), when
   * `take()` may have more, or the subscription has ended: at once if so already, else after
   * reading the next batch of its history (or joining the live events), or at the next live
   * event. One callback at a time: a later call before it ran replaces it. What a writer of many
   * subscriptions uses: nothing is allocated per wake-up.
   */
  onReady(callback: () => void): void {
    this.#wake = callback;
    if (this.buffered > 0 || this.#end !== undefined) this.#wakeUp();
    else if (!this.#live && !this.#catchingUp) {
      this.#catchingUp = true;
      void this.#catchUp().then(() => {
        this.#catchingUp = false;
        this.#wakeUp();
      });
    }
  }

  /**
   * Why the subscription ended: its error (a {@link SubscriberLaggedError}, a failed read of its
   * history), or undefined (ended quietly, not ended, or the error already thrown by `next()`).
   */
  get endError(): unknown {
    return this.#end?.error;
  }

  /**
   * The next event (or marker) already buffered, without waiting; undefined when none is (then
   * `onReady`). Every subscriber of the same scope and filters takes the same object for one
   * event: a writer may keep what it made of it (a frame) in a `WeakMap` keyed by it.
   */
  take(): T | undefined {
    const marker = this.#pending.shift();
    if (marker !== undefined) return this.#marker(marker) as T;
    const item = this.#buffer[this.#next];
    if (item === undefined) return undefined;
    this.#next += 1;
    // Taken slots are cut off once they are half the array: amortized O(1), at most 2x.
    if (this.#next * 2 >= this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#next);
      this.#next = 0;
    }
    this.#taken = item.position;
    this.#feed.counters.delivered += 1;
    const binding = this.#binding;
    if (item.shared?.binding !== binding) item.shared = new SharedEvent(item, binding, this.#feed);
    if (!this.#caughtUp && this.#live && this.#events === 0) this.#signal('caught-up');
    return item.shared as StreamEvent as T;
  }

  /** Takes a marker: the subscriber then stands where it says. */
  #marker(pending: PendingMarker): StreamMarker {
    const position = pending.position ?? (this.#taken as StreamPosition);
    this.#taken = position;
    return { kind: pending.kind, cursor: this.#feed.cursor(position, this.#binding) };
  }

  /** Caught up (at `position`, else where the subscriber stands), or fallen behind. */
  #signal(kind: PendingMarker['kind'], position?: StreamPosition): void {
    this.#caughtUp = kind === 'caught-up';
    if (this.#markers) this.#pending.push({ kind, position });
  }

  /**
   * Ends the subscription (what `break` in `for await` calls; a writer that drives it with
   * `take()` ends it so too). Events still buffered are dropped; resume from `cursor`.
   */
  async return(): Promise<IteratorReturnResult<undefined>> {
    this.end();
    this.#end = {};
    return DONE;
  }

  /**
   * Takes the next page of history (read ahead, else read now), or joins the live events when
   * history is done. After a full page, reads the one after it while the consumer takes this one:
   * at most one page ahead, each read only once the one before it ended.
   */
  async #catchUp(): Promise<void> {
    try {
      if (this.#read === undefined) {
        const start = await this.#start();
        this.#read = start.position;
        this.#taken = start.position;
        this.#target = start.target;
        this.#settled = start.settled;
      }
      if (this.#end !== undefined) return;
      let next = this.#ahead;
      this.#ahead = undefined;
      if (next === undefined) {
        const upTo = this.#upTo();
        if (comparePositions(this.#read, upTo) >= 0) {
          if (comparePositions(this.#read, this.#target as StreamPosition) < 0) {
            await this.#settle();
            return;
          }
          if (!this.#feed.join(this)) {
            this.#read = this.#taken as StreamPosition;
            return;
          }
          this.#live = true;
          // Nothing is buffered: every event up to `read` (at least the target) has been taken.
          // From the WAL, `read` is past every position: the subscriber stands where it took last.
          this.#signal('caught-up', this.#feed.commitOrder ? undefined : this.#read);
          return;
        }
        next = this.#readPage(this.#read, upTo);
      }
      const { items, upTo, full } = await next;
      if (this.#end !== undefined) return;
      this.#buffer = items;
      this.#next = 0;
      this.#read = full ? (items.at(-1) as StreamItem).position : upTo;
      if (full) this.#ahead = this.#readPage(this.#read, this.#upTo());
    } catch (error) {
      this.end(error);
    }
  }

  /** History up to the settled mark it read, and then up to what the shared reader passed. */
  #upTo(): StreamPosition {
    const head = this.#feed.head();
    const settled = this.#settled as StreamPosition;
    return comparePositions(head, settled) >= 0 ? head : settled;
  }

  /**
   * Reads the settled mark again, for history short of the target: a transaction open at the
   * start held back events that committed before it. When the mark has not moved, waits first
   * (soon, then less often, as the shared reader does), until `end()`.
   */
  async #settle(): Promise<void> {
    const mark = await this.#mark();
    if (comparePositions(mark, this.#settled as StreamPosition) > 0) {
      this.#settled = mark;
      this.#settleDelay = SETTLE_RETRY_MS;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.#settleDelay);
      this.#stopWait = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#stopWait = undefined;
    this.#settleDelay = Math.min(this.#settleDelay * 2, MAX_SETTLE_RETRY_MS);
  }

  /** Reads a page of history; a failure is thrown when the page is taken. */
  #readPage(after: StreamPosition, upTo: StreamPosition): Promise<HistoryPage> {
    const limit = Math.min(this.#feed.readSize, this.#feed.bufferSize);
    const page = this.#history(after, upTo, limit).then((items) => ({
      items,
      upTo,
      full: items.length === limit,
    }));
    page.catch(() => {});
    return page;
  }

  /** Hands over one live event (the shared reader checked its scope). @internal */
  deliver(item: StreamItem): void {
    if (
      this.#end !== undefined ||
      (!this.#feed.commitOrder &&
        comparePositions(item.position, this.#read as StreamPosition) <= 0)
    ) {
      return;
    }
    if (this.#events >= this.#feed.bufferSize) {
      this.#feed.counters.lagged += 1;
      const at = this.#taken as StreamPosition;
      this.end(
        new SubscriberLaggedError(this.#feed.cursor(at, this.#binding), this.#feed.bufferSize),
      );
      return;
    }
    this.#buffer.push(item);
    this.#read = item.position;
    if (this.#caughtUp && this.#events * 2 > this.#feed.bufferSize) this.#signal('fell-behind');
    this.#wakeUp();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    if (wake !== undefined) this.#feed.wake(wake);
  }

  /**
   * Ends the subscription: quietly, or with `error` (thrown by the next `next()`). Waiting
   * events are dropped at once, so an ended subscriber holds no memory. @internal
   */
  end(error?: unknown): void {
    if (this.#end !== undefined) return;
    this.#end = error === undefined ? {} : { error };
    this.#buffer = [];
    this.#next = 0;
    this.#pending = [];
    this.#ahead = undefined;
    this.#stopWait?.();
    this.#feed.leave(this);
    this.#wakeUp();
  }
}

/** A subscription, with markers or without. @internal */
export type AnySubscription = Subscription<StreamEvent | StreamMarker>;
