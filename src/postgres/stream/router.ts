import type { EventRecord } from '../../event/types.js';
import type { CursorCodec } from '../cursor/codec.js';
import type { StreamPosition } from '../read/position.js';
import { StreamError } from './errors.js';
import { itemOf, type StreamRow } from './history.js';
import { encodePosition } from './position.js';
import type { AnySubscription, StreamItem } from './subscription.js';

/** Live subscribers of one user with the same scope and filters: one test of each row for all. */
interface Audience {
  readonly matches: (record: EventRecord) => boolean;
  readonly subs: Set<AnySubscription>;
}

/** The cursor last sealed for a position (each read row's position is one shared object). */
const sealed = new WeakMap<StreamPosition, { readonly binding: string; readonly cursor: string }>();

/**
 * Hands the rows of the shared reader to the live subscribers they belong to: subscribers are
 * kept by user, then by scope and filters (an audience), so that a row is looked at only by the
 * audiences of its user and tested once for each. Wakes the subscribers it fed together, in one
 * microtask after the read, and seals each cursor once for all the subscribers of a binding.
 * @internal
 */
export class Router {
  readonly #codec: CursorCodec;
  readonly #onError: (error: StreamError) => void;
  /** Live subscribers by user, then by `matchKey`. */
  readonly #live = new Map<string, Map<string, Audience>>();
  /** Wake-ups asked for since the last microtask ran them. */
  #wakes: (() => void)[] = [];

  constructor(codec: CursorCodec, onError: (error: StreamError) => void) {
    this.#codec = codec;
    this.#onError = onError;
  }

  /** From now on, hand `sub` every live event of its scope and filters. */
  join(sub: AnySubscription): void {
    let audiences = this.#live.get(sub.userId);
    if (audiences === undefined) {
      audiences = new Map();
      this.#live.set(sub.userId, audiences);
    }
    let audience = audiences.get(sub.matchKey);
    if (audience === undefined) {
      audience = { matches: sub.matches, subs: new Set() };
      audiences.set(sub.matchKey, audience);
    }
    audience.subs.add(sub);
  }

  leave(sub: AnySubscription): void {
    const audiences = this.#live.get(sub.userId);
    const audience = audiences?.get(sub.matchKey);
    if (audiences && audience?.subs.delete(sub) && audience.subs.size === 0) {
      audiences.delete(sub.matchKey);
      if (audiences.size === 0) this.#live.delete(sub.userId);
    }
  }

  /** Hands one settled row to every live subscriber whose scope and filters it matches. */
  route(row: StreamRow): void {
    this.deliver(row.userId, itemOf(row));
  }

  /** Hands one event of `userId` to every live subscriber whose scope and filters it matches. */
  deliver(userId: string, item: StreamItem): void {
    const audiences = this.#live.get(userId);
    if (audiences === undefined) return;
    for (const audience of audiences.values()) {
      if (audience.matches(item.record)) for (const sub of audience.subs) sub.deliver(item);
    }
  }

  /** The cursor of `position` for `binding`: one HMAC per event for all its subscribers. */
  cursor(position: StreamPosition, binding: string): string {
    const last = sealed.get(position);
    if (last?.binding === binding) return last.cursor;
    const cursor = encodePosition(this.#codec, position, binding);
    sealed.set(position, { binding, cursor });
    return cursor;
  }

  /**
   * Calls `callback` soon, in one microtask with every other callback asked for meanwhile (all
   * the subscribers a read woke up, together). A callback that throws is reported, and the
   * others still run.
   */
  wake(callback: () => void): void {
    if (this.#wakes.push(callback) === 1) queueMicrotask(() => this.#runWakes());
  }

  #runWakes(): void {
    const wakes = this.#wakes;
    this.#wakes = [];
    for (const wake of wakes) {
      try {
        wake();
      } catch (error) {
        this.#onError(new StreamError('STREAM_CALLBACK', error));
      }
    }
  }
}
