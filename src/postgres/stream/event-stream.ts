import { ListenerSafeEmitter } from '../../emitter.js';
import { ClosedError } from '../../errors.js';
import { type CloseOptions, Closer, type Deadline, type Lifecycle } from '../../lifecycle/close.js';
import { type LifecycleLog, lifecycle, logErrors } from '../../lifecycle/log.js';
import { CursorCodec, cursorBinding } from '../cursor/codec.js';
import { toExecutor, unwrapDatabase } from '../driver/executor.js';
import type { Executor } from '../driver/types.js';
import { checkListenable } from '../notify/listener.js';
import { type EventFilters, resolveFilters } from '../read/filters.js';
import { ORIGIN, type StreamPosition } from '../read/position.js';
import { type QueryScope, resolveScope } from '../read/scope.js';
import { type TableNames, tableNames } from '../sql/names.js';
import { type StreamSql, streamSql } from '../sql/stream.js';
import type { WalError } from '../wal/errors.js';
import type { StreamError } from './errors.js';
import type { EventStreamEvents } from './events.js';
import { subscriberReads } from './history.js';
import type { StreamMarker } from './markers.js';
import { matcher } from './matcher.js';
import type { EventStreamCloseSummary, EventStreamMetrics } from './metrics.js';
import {
  type EventStreamOptions,
  eventStreamOptions,
  type SubscribeFrom,
  type SubscribeOptions,
  subscribeOptions,
} from './options.js';
import { SharedReader } from './reader.js';
import { Router } from './router.js';
import { subscriptionStart } from './start.js';
import {
  type AnySubscription,
  type Feed,
  type StreamEvent,
  Subscription,
  type SubscriptionCounters,
} from './subscription.js';
import { WalFeed } from './wal/feed.js';
import { openTemporarySlot } from './wal/open.js';
import { defaultPublication } from './wal/publication.js';
import { type WalStartSetup, walSubscriptionStart } from './wal/start.js';
import { Tap } from './wal/tap.js';

/** The later of two times (`a` absent: `b`). */
const later = (a: Date | null, b: Date) => (a !== null && a > b ? a : b);

/**
 * Live events of `event_logs`: each subscriber gets the events of its scope and filters that
 * committed after its cursor, then every new one as it commits, each once, in one stable order
 * (the writing transaction, then the event id), with a cursor to resume after it.
 *
 * One reader per stream reads new rows for all subscribers, on one LISTEN connection, woken by
 * its NOTIFY (and by a poll as a safety net), and a router hands each subscriber the events of
 * its scope in memory. Only rows whose transaction is older than every transaction still open
 * that may write here are read, so a transaction that commits late can never put a row behind a
 * position already passed: no gap, no repeat. A long transaction in the database holds new
 * events back until it ends.
 *
 * With `source: 'wal'`, live events come instead from a temporary logical replication slot
 * streaming `event_logs`' inserts: at commit, in commit order, held back by nothing (see
 * `EventStreamOptions.source`).
 *
 * Nothing starts before the first subscription; `close()` ends every subscription and releases
 * the LISTEN connection (and the slot).
 */
export class EventStream
  extends ListenerSafeEmitter<EventStreamEvents>
  implements Lifecycle<EventStreamMetrics, EventStreamCloseSummary>
{
  readonly #schema: string;
  readonly #names: TableNames;
  readonly #codec: CursorCodec;
  readonly #executor: Executor;
  readonly #sql: StreamSql;
  readonly #reader: SharedReader;
  /** With `source: 'wal'`: the live events, from the WAL (then the shared reader never runs). */
  readonly #wal: WalFeed | undefined;
  readonly #bufferSize: number;
  readonly #router: Router;
  readonly #feed: Feed;
  readonly #counters: SubscriptionCounters = { delivered: 0, lagged: 0 };
  readonly #closer: Closer<EventStreamCloseSummary>;
  readonly #log: LifecycleLog | undefined;
  /** Every open subscription, with what lets go of its signal. */
  readonly #all = new Map<AnySubscription, () => void>();
  #errors = 0;

  constructor(options: EventStreamOptions) {
    super();
    const o = eventStreamOptions.resolve(options);
    const db = unwrapDatabase(o.db, 'options.db');
    if (o.listen && o.source === 'notify') checkListenable(db);
    const executor = toExecutor(o.db, 'options.db');
    this.#names = tableNames(o.schema);
    const sql = streamSql(this.#names);
    this.#schema = o.schema;
    this.#codec = new CursorCodec(o.cursorSecret);
    this.#closer = new Closer(o.closeTimeoutMs);
    this.#log = o.log;
    logErrors(this, o.log, 'eventrail stream error; going on');
    this.#executor = executor;
    this.#sql = sql;
    this.#router = new Router(this.#codec, (error) => this.#fault(error));
    this.#bufferSize = o.bufferSize;
    const wal = o.source === 'wal' ? this.#walFeed(o) : undefined;
    this.#wal = wal;
    this.#reader = new SharedReader({
      executor,
      db,
      sql,
      readSize: o.readSize,
      listen: o.listen,
      pollIntervalMs: o.pollIntervalMs,
      route: (row) => this.#router.route(row),
      failed: (error) => this.#fault(error),
      listening: (connected, error) => this.#listening(connected, error),
    });
    this.#feed = {
      commitOrder: wal !== undefined,
      bufferSize: o.bufferSize,
      readSize: o.readSize,
      counters: this.#counters,
      head: () => (wal ? ORIGIN : (this.#reader.head as StreamPosition)),
      join: (sub) => {
        if (wal && !wal.join(sub)) return false;
        this.#router.join(sub);
        return true;
      },
      leave: (sub) => this.#leave(sub),
      cursor: (position, binding) => this.#router.cursor(position, binding),
      wake: (callback) => this.#router.wake(callback),
    };
  }

  /**
   * Subscribes to the events of `scope` matching `filters` (as `EventQueries.listEvents` reads
   * them), from `options.from` (default `'now'`; `'start'`, a `Date`, a cursor). With
   * `markers: true` the iteration also yields {@link StreamMarker}s (`caught-up`,
   * `fell-behind`). Bad input is refused here, synchronously, with a `ValidationError` naming the
   * field (a misspelt option with the closest one); after `close()`, a `ClosedError`. The
   * subscription reads nothing until it is iterated; an expired start ends it then, with a
   * `CursorExpiredError`.
   */
  subscribe(
    scope: QueryScope,
    filters: EventFilters | undefined,
    options: SubscribeOptions & { readonly markers: true },
  ): Subscription<StreamEvent | StreamMarker>;
  /** Subscribes without markers: the iteration yields events only (see the first signature). */
  subscribe(
    scope: QueryScope,
    filters?: EventFilters,
    options?: SubscribeOptions & { readonly markers?: false },
  ): Subscription<StreamEvent>;
  /** Subscribes with markers or without, as `options.markers` says (see the first signature). */
  subscribe(
    scope: QueryScope,
    filters?: EventFilters,
    options?: SubscribeOptions,
  ): Subscription<StreamEvent | StreamMarker>;
  subscribe(
    scope: QueryScope,
    filters: EventFilters = {},
    options: SubscribeOptions = {},
  ): Subscription<StreamEvent | StreamMarker> {
    if (this.#closer.closed) throw new ClosedError('EventStream');
    const s = resolveScope(scope);
    const f = resolveFilters(filters);
    const o = subscribeOptions.resolve(options);
    const binding = cursorBinding(this.#schema, s, f, 'stream');
    // A Date start reads, history and live alike, what `filters.from` at that time would.
    const since = o.from instanceof Date ? { ...f, from: later(f.from, o.from) } : f;
    const reads = subscriberReads(this.#executor, this.#sql, s, since);
    const reader = this.#reader;
    const from = o.from instanceof Date ? (since.from as Date) : o.from;
    const matches = matcher(s, since);
    const setup = {
      session: this.#executor,
      names: this.#names,
      codec: this.#codec,
      bindings: { stream: binding, list: cursorBinding(this.#schema, s, f, 'asc') },
      reads,
    };
    const wal = this.#wal;
    const tap = wal && new Tap(s.userId, matches, this.#bufferSize);
    const begin =
      wal && tap
        ? this.#startFromWal(wal, from, { ...setup, tap }, () => sub)
        : subscriptionStart(from, { ...setup, readHead: () => reader.readHead() });
    const sub: AnySubscription = new Subscription<StreamEvent | StreamMarker>(this.#feed, {
      userId: s.userId,
      matches,
      matchKey: JSON.stringify([s, since]),
      binding,
      markers: o.markers,
      ...begin,
    });
    const { signal } = o;
    const onAbort = () => sub.end();
    this.#all.set(sub, () => signal?.removeEventListener('abort', onAbort));
    if (this.#all.size === 1 && wal === undefined) reader.start();
    if (signal?.aborted) sub.end();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return sub;
  }

  /**
   * Ends every subscription (their iterations finish; each consumer resumes from its cursor),
   * stops reading and polling, and releases the LISTEN connection. Returns by the deadline
   * (`timeoutMs`, default `closeTimeoutMs`): `timedOut` says that the LISTEN connection's
   * release or a read in flight had not ended by then (they end on their own). The same promise
   * on every call; rejects only at once, for bad options (the stream then stays open).
   */
  close(options?: CloseOptions): Promise<EventStreamCloseSummary> {
    return this.#closer.close(options, (deadline) => this.#close(deadline));
  }

  /** `await using part = ...` closes it with the default deadline. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A snapshot of the counters (see {@link EventStreamMetrics}). */
  metrics(): EventStreamMetrics {
    const { reads, readDurationMs } = (this.#wal ?? this.#reader).counters;
    return {
      subscribers: this.#all.size,
      delivered: this.#counters.delivered,
      lagged: this.#counters.lagged,
      reads,
      errors: this.#errors,
      listening: this.#wal?.streaming ?? this.#reader.listening,
      readDurationMs: readDurationMs.snapshot(),
    };
  }

  async #close(deadline: Deadline): Promise<EventStreamCloseSummary> {
    const ended = this.#all.size;
    for (const sub of [...this.#all.keys()]) sub.end();
    const closed = await Promise.all([this.#reader.close(deadline), this.#wal?.close(deadline)]);
    const timedOut = closed.includes(false);
    lifecycle(
      this.#log,
      timedOut ? 'warn' : 'info',
      { timedOut, ended },
      'eventrail stream closed',
    );
    return { timedOut, ended };
  }

  #leave(sub: AnySubscription): void {
    this.#all.get(sub)?.();
    this.#all.delete(sub);
    this.#router.leave(sub);
    this.#wal?.leave(sub);
    // Nobody reads: the next subscriber starts from a fresh head.
    if (this.#all.size === 0) this.#reader.reset();
  }

  /** The start of a subscription from the WAL: its tap holds for it from its start on. */
  #startFromWal(
    wal: WalFeed,
    from: SubscribeFrom,
    setup: Omit<WalStartSetup, 'ready' | 'hold'>,
    sub: () => AnySubscription,
  ) {
    const start = walSubscriptionStart(from, {
      ...setup,
      ready: () => wal.ready(),
      hold: () => wal.hold(sub(), setup.tap, start.live),
    });
    return start;
  }

  /** The feed from the WAL of these options: its events go to the router. */
  #walFeed(o: ReturnType<typeof eventStreamOptions.resolve>): WalFeed {
    const connection = o.walConnection as NonNullable<typeof o.walConnection>;
    const publication = o.publication ?? defaultPublication(o.schema);
    return new WalFeed({
      executor: toExecutor(o.db, 'options.db'),
      names: this.#names,
      sql: this.#sql,
      publication,
      open: () => openTemporarySlot(connection, publication),
      pollIntervalMs: o.pollIntervalMs,
      deliver: (userId, item) => this.#router.deliver(userId, item),
      failed: (error) => this.#fault(error),
      lost: (error) => this.#lost(error),
    });
  }

  /**
   * The slot failed: every subscription ends with the error (each resumes from its cursor,
   * which loses nothing), and the next one makes a new slot.
   */
  #lost(error: WalError): void {
    this.#fault(error);
    lifecycle(this.#log, 'warn', { err: error }, 'eventrail stream WAL slot lost');
    for (const sub of [...this.#all.keys()]) sub.end(error);
  }

  #fault(error: StreamError | WalError): void {
    this.#errors += 1;
    this.emit('error', error);
  }

  #listening(connected: boolean, error?: unknown): void {
    if (connected) lifecycle(this.#log, 'info', {}, 'eventrail stream LISTEN connected');
    else lifecycle(this.#log, 'warn', { err: error }, 'eventrail stream LISTEN lost; reconnecting');
    this.emit('listen', error === undefined ? { connected } : { connected, error });
  }
}
