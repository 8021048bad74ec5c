import { ListenerSafeEmitter } from '../../emitter.js';
import { ClosedError } from '../../errors.js';
import { type CloseOptions, Closer, type Deadline, type Lifecycle } from '../../lifecycle/close.js';
import { type LifecycleLog, lifecycle, logErrors } from '../../lifecycle/log.js';
import { CursorCodec, cursorBinding } from '../cursor/codec.js';
import { toExecutor, unwrapDatabase } from '../driver/executor.js';
import type { Executor } from '../driver/types.js';
import { checkListenable } from '../notify/listener.js';
import { type EventFilters, resolveFilters } from '../read/filters.js';
import type { StreamPosition } from '../read/position.js';
import { type QueryScope, resolveScope } from '../read/scope.js';
import { tableNames } from '../sql/names.js';
import { type StreamSql, streamSql } from '../sql/stream.js';
import type { StreamError } from './errors.js';
import type { EventStreamEvents } from './events.js';
import { subscriberReads } from './history.js';
import { matcher } from './matcher.js';
import type { EventStreamCloseSummary, EventStreamMetrics } from './metrics.js';
import {
  type EventStreamOptions,
  eventStreamOptions,
  type SubscribeOptions,
  subscribeOptions,
} from './options.js';
import { decodeAfter } from './position.js';
import { SharedReader } from './reader.js';
import { Router } from './router.js';
import { type Feed, Subscription, type SubscriptionCounters } from './subscription.js';

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
 * Nothing starts before the first subscription; `close()` ends every subscription and releases
 * the LISTEN connection.
 */
export class EventStream
  extends ListenerSafeEmitter<EventStreamEvents>
  implements Lifecycle<EventStreamMetrics, EventStreamCloseSummary>
{
  readonly #schema: string;
  readonly #codec: CursorCodec;
  readonly #executor: Executor;
  readonly #sql: StreamSql;
  readonly #reader: SharedReader;
  readonly #router: Router;
  readonly #feed: Feed;
  readonly #counters: SubscriptionCounters = { delivered: 0, lagged: 0 };
  readonly #closer: Closer<EventStreamCloseSummary>;
  readonly #log: LifecycleLog | undefined;
  /** Every open subscription, with what lets go of its signal. */
  readonly #all = new Map<Subscription, () => void>();
  #errors = 0;

  constructor(options: EventStreamOptions) {
    super();
    const o = eventStreamOptions.resolve(options);
    const db = unwrapDatabase(o.db, 'options.db');
    if (o.listen) checkListenable(db);
    const executor = toExecutor(o.db, 'options.db');
    const sql = streamSql(tableNames(o.schema));
    this.#schema = o.schema;
    this.#codec = new CursorCodec(o.cursorSecret);
    this.#closer = new Closer(o.closeTimeoutMs);
    this.#log = o.log;
    logErrors(this, o.log, 'eventrail stream error; going on');
    this.#executor = executor;
    this.#sql = sql;
    this.#router = new Router(this.#codec, (error) => this.#fault(error));
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
      bufferSize: o.bufferSize,
      readSize: o.readSize,
      counters: this.#counters,
      head: () => this.#reader.head as StreamPosition,
      join: (sub) => this.#router.join(sub),
      leave: (sub) => this.#leave(sub),
      cursor: (position, binding) => this.#router.cursor(position, binding),
      wake: (callback) => this.#router.wake(callback),
    };
  }

  /**
   * Subscribes to the events of `scope` matching `filters` (as `EventQueries.listEvents` reads
   * them). Bad input is refused here, synchronously, with a `ValidationError` naming the field
   * (a misspelt option with the closest one); after `close()`, a `ClosedError`. The subscription
   * reads nothing until it is iterated.
   */
  subscribe(
    scope: QueryScope,
    filters: EventFilters = {},
    options: SubscribeOptions = {},
  ): Subscription {
    if (this.#closer.closed) throw new ClosedError('EventStream');
    const s = resolveScope(scope);
    const f = resolveFilters(filters);
    const o = subscribeOptions.resolve(options);
    const binding = cursorBinding(this.#schema, s, f, 'stream');
    const after =
      o.after === undefined
        ? undefined
        : decodeAfter(
            this.#codec,
            o.after,
            { stream: binding, list: cursorBinding(this.#schema, s, f, 'asc') },
            'options.after',
          );
    const reads = subscriberReads(this.#executor, this.#sql, s, f);
    const reader = this.#reader;
    const sub = new Subscription(this.#feed, {
      userId: s.userId,
      matches: matcher(s, f),
      matchKey: JSON.stringify([s, f]),
      binding,
      start: async () => {
        const head = await reader.readHead();
        if (after === undefined) return head;
        return 'stream' in after ? after.stream : reads.positionOf(after.list.id);
      },
      history: reads.history,
    });
    const { signal } = o;
    const onAbort = () => sub.end();
    this.#all.set(sub, () => signal?.removeEventListener('abort', onAbort));
    if (this.#all.size === 1) reader.start();
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

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** A snapshot of the counters (see {@link EventStreamMetrics}). */
  metrics(): EventStreamMetrics {
    const { reads, readDurationMs } = this.#reader.counters;
    return {
      subscribers: this.#all.size,
      delivered: this.#counters.delivered,
      lagged: this.#counters.lagged,
      reads,
      errors: this.#errors,
      listening: this.#reader.listening,
      readDurationMs: readDurationMs.snapshot(),
    };
  }

  async #close(deadline: Deadline): Promise<EventStreamCloseSummary> {
    const ended = this.#all.size;
    for (const sub of [...this.#all.keys()]) sub.end();
    const timedOut = !(await this.#reader.close(deadline));
    lifecycle(
      this.#log,
      timedOut ? 'warn' : 'info',
      { timedOut, ended },
      'eventrail stream closed',
    );
    return { timedOut, ended };
  }

  #leave(sub: Subscription): void {
    this.#all.get(sub)?.();
    this.#all.delete(sub);
    this.#router.leave(sub);
    // Nobody reads: the next subscriber starts from a fresh head.
    if (this.#all.size === 0) this.#reader.reset();
  }

  #fault(error: StreamError): void {
    this.#errors += 1;
    this.emit('error', error);
  }

  #listening(connected: boolean, error?: unknown): void {
    if (connected) lifecycle(this.#log, 'info', {}, 'eventrail stream LISTEN connected');
    else lifecycle(this.#log, 'warn', { err: error }, 'eventrail stream LISTEN lost; reconnecting');
    this.emit('listen', error === undefined ? { connected } : { connected, error });
  }
}
