import type { EventRecord } from '../../event/types.js';
import type { StreamPosition } from '../read/position.js';
import type { Feed, StreamEvent, StreamItem } from './subscription.js';

/**
 * The event handed out for an item under one binding. Its cursor is signed when first read, then
 * kept: a consumer that never reads it (one that resumes from `Subscription.cursor`) pays no HMAC
 * per event. JSON.stringify writes it as `{ event, cursor }`.
 * @internal
 */
export class SharedEvent implements StreamEvent {
  readonly event: EventRecord;
  readonly #position: StreamPosition;
  readonly #binding: string;
  readonly #feed: Feed;
  #cursor: string | undefined;

  constructor(item: StreamItem, binding: string, feed: Feed) {
    this.event = item.record;
    this.#position = item.position;
    this.#binding = binding;
    this.#feed = feed;
  }

  /** What its cursor is bound to. */
  get binding(): string {
    return this.#binding;
  }

  get cursor(): string {
    this.#cursor ??= this.#feed.cursor(this.#position, this.#binding);
    return this.#cursor;
  }

  toJSON(): StreamEvent {
    return { event: this.event, cursor: this.cursor };
  }
}
