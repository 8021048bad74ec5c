import type { EventEmitter } from 'eventemitter3';
import type { EventRecord } from '../event/types.js';
import type { ResolvedPipelineOptions } from '../sinks/pipeline-options.js';
import type { Sink } from '../sinks/sink.js';
import { BatchJob, Delivery } from './delivery.js';
import type { EventLoggerEvents } from './events.js';
import { SinkCounters, type SinkMetrics } from './metrics.js';
import { RingQueue } from './ring-queue.js';

interface Waiter {
  readonly event: EventRecord;
  readonly resolve: () => void;
}

interface SeqWaiter {
  readonly seq: number;
  readonly resolve: () => void;
}

/**
 * One sink's queue and worker. Events are numbered in queue order (`seq`); a write takes a batch
 * from the head, and `flush()` waits until every event numbered below its mark has settled
 * (written, handed to the fallback, or dropped). Never throws into the caller.
 * @internal
 */
export class SinkPipeline {
  readonly sink: Sink;
  readonly options: ResolvedPipelineOptions;
  readonly counters = new SinkCounters();
  readonly #queue: RingQueue<EventRecord>;
  /** Callers blocked by a full queue (overflow `block`), in arrival order. */
  readonly #blocked: Waiter[] = [];
  readonly #inFlight = new Set<BatchJob>();
  readonly #delivery: Delivery;
  readonly #emitter: EventEmitter<EventLoggerEvents>;
  /** Sequence number of the event at the head of the queue. */
  #headSeq = 0;
  /** Events below this number are written regardless of batch size (a flush or close asked). */
  #flushMark = 0;
  #flushWaiters: SeqWaiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** The flush interval passed while every write slot was busy: write a partial batch next. */
  #due = false;
  #pumpScheduled = false;

  constructor(
    sink: Sink,
    options: ResolvedPipelineOptions,
    fallback: Sink | null,
    emitter: EventEmitter<EventLoggerEvents>,
  ) {
    this.sink = sink;
    this.options = options;
    this.#emitter = emitter;
    this.#queue = new RingQueue(options.maxQueueSize);
    this.#delivery = new Delivery(sink, fallback, options, this.counters, emitter);
  }

  /** Number of events ever given to the queue (the next event's sequence number). */
  get #tailSeq(): number {
    return this.#headSeq + this.#queue.length + this.#blocked.length;
  }

  /**
   * Offers an event. Returns `undefined` when it was queued or dropped by policy, or a promise
   * that resolves once a blocked event got its place.
   */
  offer(event: EventRecord): Promise<void> | undefined {
    this.counters.received += 1;
    const queue = this.#queue;
    if (queue.full || this.#blocked.length > 0) {
      switch (this.options.overflow) {
        case 'block':
          return new Promise((resolve) => this.#blocked.push({ event, resolve }));
        case 'drop-newest':
          this.#dropOverflow([event], 'overflow-newest');
          return undefined;
        case 'drop-oldest':
          this.#headSeq += 1;
          this.#dropOverflow([queue.shift() as EventRecord], 'overflow-oldest');
          break;
      }
    }
    queue.push(event);
    if (queue.length >= this.options.flushSize || queue.full) this.#schedulePump();
    else if (this.#timer === undefined) this.#startTimer();
    return undefined;
  }

  /** Resolves when every event offered before the call has settled. */
  flush(): Promise<void> {
    const seq = this.#tailSeq;
    if (this.#settledBelow() >= seq) return Promise.resolve();
    this.#flushMark = Math.max(this.#flushMark, seq);
    const done = new Promise<void>((resolve) => this.#flushWaiters.push({ seq, resolve }));
    this.#pump();
    return done;
  }

  /** Gives up at the close deadline: everything not yet settled goes to the fallback. */
  async abandon(reason: Error): Promise<void> {
    this.#stopTimer();
    const queued = this.#queue.take(this.#queue.length);
    for (const waiter of this.#blocked.splice(0)) {
      queued.push(waiter.event);
      waiter.resolve();
    }
    this.#headSeq += queued.length;
    const jobs = [...this.#inFlight];
    this.#inFlight.clear();
    await Promise.all([
      this.#delivery.abandon(jobs, reason),
      queued.length > 0 ? this.#delivery.handOff(queued, reason) : undefined,
    ]);
    this.#releaseFlushWaiters();
  }

  metrics(): SinkMetrics {
    let inFlight = 0;
    for (const job of this.#inFlight) inFlight += job.events.length;
    return this.counters.snapshot(this.#queue.length + this.#blocked.length, inFlight);
  }

  #settledBelow(): number {
    let lowest = this.#headSeq;
    for (const job of this.#inFlight) if (job.startSeq < lowest) lowest = job.startSeq;
    return lowest;
  }

  #dropOverflow(events: EventRecord[], reason: 'overflow-newest' | 'overflow-oldest'): void {
    this.counters.dropped += events.length;
    this.#emitter.emit('drop', { sink: this.sink.name, events, reason });
  }

  #startTimer(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#due = true;
      this.#pump();
    }, this.options.flushIntervalMs);
    this.#timer.unref();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Starts writes on the next turn of the event loop, so `offer` stays cheap. */
  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    setImmediate(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  /** Starts as many writes as `writesInFlight` allows. */
  #pump(): void {
    if (this.#delivery.abandoned) return;
    const { flushSize, maxBatchSize, writesInFlight } = this.options;
    const queue = this.#queue;
    while (this.#inFlight.size < writesInFlight && queue.length > 0) {
      const urgent =
        this.#due ||
        queue.length >= flushSize ||
        queue.full || // maxQueueSize below flushSize: a full queue is a full batch
        this.#headSeq < this.#flushMark;
      if (!urgent) break;
      this.#due = false;
      // flushSize is the trigger; a write takes whatever is waiting, up to maxBatchSize.
      const job = new BatchJob(queue.take(maxBatchSize), this.#headSeq);
      this.#headSeq += job.events.length;
      this.#admitBlocked();
      this.#inFlight.add(job);
      const done = () => {
        this.#inFlight.delete(job);
        this.#pump();
      };
      // Delivery never rejects; should it ever, the job must still leave the in-flight set.
      void this.#delivery.run(job).then(done, done);
    }
    if (queue.length === 0) this.#stopTimer();
    else if (this.#timer === undefined && !this.#due) this.#startTimer();
    this.#releaseFlushWaiters();
  }

  /**
   * Moves callers blocked by a full queue into the room a batch just made. Their events are
   * queued at once, in order; the callers are woken on the next turn of the event loop, so that
   * the write just started reaches the socket before a busy caller refills the queue.
   */
  #admitBlocked(): void {
    const blocked = this.#blocked;
    let admitted = 0;
    while (admitted < blocked.length && !this.#queue.full) {
      this.#queue.push((blocked[admitted++] as Waiter).event);
    }
    if (admitted === 0) return;
    const woken = blocked.splice(0, admitted);
    setImmediate(() => {
      for (const waiter of woken) waiter.resolve();
    });
  }

  #releaseFlushWaiters(): void {
    if (this.#flushWaiters.length === 0) return;
    const settled = this.#settledBelow();
    const waiting: SeqWaiter[] = [];
    for (const waiter of this.#flushWaiters) {
      if (waiter.seq <= settled) waiter.resolve();
      else waiting.push(waiter);
    }
    this.#flushWaiters = waiting;
  }
}
