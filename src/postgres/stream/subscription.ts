import type { EventRecord } from '../../event/types.js';
import { SubscriberLaggedError } from './errors.js';
import { comparePositions, type StreamPosition } from './position.js';

/** One event of a subscription, with the cursor to resume after it. */
export interface StreamEvent {
  readonly event: EventRecord;
  /** Pass as `after` (or send as SSE `Last-Event-ID`) to resume right after this event. */
  readonly cursor: string;
}

/** An event read for subscribers, where it stands in stream order. @internal */
export interface StreamItem {
  readonly record: EventRecord;
  readonly position: StreamPosition;
  /** The event as last handed out, sealed for one binding: its subscribers share it. */
  sealed?: SealedEvent;
}

/**
 * One event with its cursor for one binding (scope and filters), made once for all the
 * subscribers of that binding. @internal
 */
export interface SealedEvent {
  readonly binding: string;
  readonly value: StreamEvent;
  /** What a writer sends for it (the SSE frame), made by the first that sends it. */
  wire?: string;
}

/** What a subscription needs of its {@link EventStream}. @internal */
export interface Feed {
  readonly bufferSize: number;
  readonly batchSize: number;
  /** Where the shared reader stands: every row up to it has been read and handed out. */
  head(): StreamPosition;
  /** From now on, hand the subscriber every live event of its scope. */
  join(sub: Subscription): void;
  leave(sub: Subscription): void;
  cursor(position: StreamPosition, binding: string): string;
  /**
   * Calls `callback` soon, in one microtask with every other callback asked for meanwhile (all
   * the subscribers a read woke up, together).
   */
  wake(callback: () => void): void;
}

/** Whose events a subscription takes, and how it reads its history. @internal */
export interface SubscriptionTarget {
  readonly userId: string;
  readonly matches: (record: EventRecord) => boolean;
  /** Equal for subscriptions whose `matches` take the same events (same scope and filters). */
  readonly matchKey: string;
  /** What its cursors are bound to (schema, scope, filters). */
  readonly binding: string;
  /** Where it starts: after its `after` cursor, or at the shared reader's head. */
  readonly start: () => Promise<StreamPosition>;
  /** Its rows after `after`, up to `upTo`, at most `limit`, in stream order. */
  readonly history: (
    after: StreamPosition,
    upTo: StreamPosition,
    limit: number,
  ) => Promise<StreamItem[]>;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * One subscriber: an async iterator of its events, history first (read by itself, one batch
 * at a time, only while its buffer is empty) and then live (handed over by the shared reader,
 * at most `bufferSize` waiting). Iterate it with `for await`; `break`, the signal, or the
 * stream's `close()` end it. One `next()` at a time.
 */
export class Subscription implements AsyncIterableIterator<StreamEvent> {
  /** @internal */ readonly userId: string;
  /** @internal */ readonly matches: (record: EventRecord) => boolean;
  /** @internal */ readonly matchKey: string;
  readonly #feed: Feed;
  readonly #binding: string;
  readonly #start: () => Promise<StreamPosition>;
  readonly #history: SubscriptionTarget['history'];
  #buffer: StreamItem[] = [];
  #next = 0;
  /** How far this subscriber has read (history) or been handed (live). */
  #read: StreamPosition | undefined;
  /** The position of the last event handed to the consumer. */
  #taken: StreamPosition | undefined;
  #live = false;
  #end: { error?: unknown } | undefined;
  #wake: (() => void) | undefined;

  /** @internal */
  constructor(feed: Feed, target: SubscriptionTarget) {
    this.#feed = feed;
    this.userId = target.userId;
    this.matches = target.matches;
    this.matchKey = target.matchKey;
    this.#binding = target.binding;
    this.#start = target.start;
    this.#history = target.history;
  }

  /** Events read and waiting to be taken. */
  get buffered(): number {
    return this.#buffer.length - this.#next;
  }

  /** Whether the subscription has ended (its iteration finishes once its buffer is taken). */
  get ended(): boolean {
    return this.#end !== undefined;
  }

  /** The cursor of the last event taken, or of where the subscription started. */
  get cursor(): string | undefined {
    return this.#taken && this.#feed.cursor(this.#taken, this.#binding);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<StreamEvent, undefined>> {
    for (;;) {
      const value = this.takeSealed()?.value;
      if (value !== undefined) return { done: false, value };
      if (this.#end !== undefined) {
        const { error } = this.#end;
        this.#end = {};
        if (error !== undefined) throw error;
        return DONE;
      }
      await this.wait();
    }
  }

  /**
   * Resolves once an event is buffered or the subscription has ended: at once if so already,
   * else after reading the next batch of history (or joining the live events), or at the next
   * live event. Never rejects (an error ends the subscription). @internal
   */
  wait(): Promise<void> {
    return new Promise((resolve) => this.onReady(resolve));
  }

  /**
   * As `wait()`, without a promise: calls `callback` once, in a microtask (never inside the
   * shared reader's hand-over), when there may be more to take. What a writer of many
   * subscriptions uses: one call per wake-up and subscriber, nothing allocated. @internal
   */
  onReady(callback: () => void): void {
    if (this.buffered > 0 || this.#end !== undefined) this.#feed.wake(callback);
    else if (this.#live) this.#wake = callback;
    else void this.#catchUp().then(() => this.#feed.wake(callback));
  }

  /** Why the subscription ended: its error, or undefined (ended quietly, or not ended). @internal */
  get endError(): unknown {
    return this.#end?.error;
  }

  /**
   * The next event already buffered, without waiting (undefined when none is), with what its
   * subscribers of one binding share: the same object for all of them, on which a writer keeps
   * what it made of it once. @internal
   */
  takeSealed(): SealedEvent | undefined {
    const item = this.#buffer[this.#next];
    if (item === undefined) return undefined;
    this.#next += 1;
    // Taken slots are cut off once they are half the array: amortized O(1), at most 2x.
    if (this.#next * 2 >= this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#next);
      this.#next = 0;
    }
    this.#taken = item.position;
    const binding = this.#binding;
    if (item.sealed?.binding !== binding) {
      const cursor = this.#feed.cursor(item.position, binding);
      item.sealed = { binding, value: { event: item.record, cursor } };
    }
    return item.sealed;
  }

  /** Ends the subscription (what `break` in `for await` calls). */
  async return(): Promise<IteratorReturnResult<undefined>> {
    this.end();
    this.#end = {};
    return DONE;
  }

  /** Reads the next batch of history, or joins the live events when history is done. */
  async #catchUp(): Promise<void> {
    try {
      if (this.#read === undefined) {
        this.#read = await this.#start();
        this.#taken = this.#read;
      }
      if (this.#end !== undefined) return;
      const upTo = this.#feed.head();
      if (comparePositions(this.#read, upTo) >= 0) {
        this.#live = true;
        this.#feed.join(this);
        return;
      }
      const limit = Math.min(this.#feed.batchSize, this.#feed.bufferSize);
      const items = await this.#history(this.#read, upTo, limit);
      if (this.#end !== undefined) return;
      this.#buffer = items;
      this.#next = 0;
      this.#read = items.length < limit ? upTo : (items.at(-1) as StreamItem).position;
    } catch (error) {
      this.end(error);
    }
  }

  /** Hands over one live event (the shared reader checked its scope). @internal */
  deliver(item: StreamItem): void {
    if (
      this.#end !== undefined ||
      comparePositions(item.position, this.#read as StreamPosition) <= 0
    ) {
      return;
    }
    if (this.buffered >= this.#feed.bufferSize) {
      const at = this.#taken as StreamPosition;
      this.end(
        new SubscriberLaggedError(this.#feed.cursor(at, this.#binding), this.#feed.bufferSize),
      );
      return;
    }
    this.#buffer.push(item);
    this.#read = item.position;
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
    this.#feed.leave(this);
    this.#wakeUp();
  }
}
