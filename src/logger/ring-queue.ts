/**
 * A bounded FIFO on a fixed circular array: O(1) push and shift, no allocation per item.
 * @internal
 */
export class RingQueue<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.#length;
  }

  get full(): boolean {
    return this.#length === this.capacity;
  }

  /** Adds at the tail. The caller checks `full` first. */
  push(item: T): void {
    this.#items[(this.#head + this.#length) % this.capacity] = item;
    this.#length += 1;
  }

  /** Removes and returns the head, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#length -= 1;
    return item;
  }

  /** Removes up to `count` items from the head, in order. */
  take(count: number): T[] {
    const n = Math.min(count, this.#length);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = this.shift() as T;
    return out;
  }
}
