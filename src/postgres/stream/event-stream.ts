import { within } from '../../async/wait.js';
import { ListenerSafeEmitter } from '../../emitter.js';
import { ValidationError } from '../../errors.js';
import type { EventRecord } from '../../event/types.js';
import { CursorCodec, cursorBinding } from '../cursor/codec.js';
import { sessionOf, toExecutor, unwrapDatabase } from '../driver/executor.js';
import { connectionFate } from '../driver/fate.js';
import type { Executor } from '../driver/types.js';
import { checkListenable, type Listener, listen } from '../notify/listener.js';
import { knownFields } from '../read/fields.js';
import { type EventFilters, resolveFilters } from '../read/filters.js';
import { type EventRow, toRecord } from '../read/records.js';
import { type QueryScope, type ResolvedScope, resolveScope } from '../read/scope.js';
import { tableNames } from '../sql/names.js';
import { eventConditions, SqlParameters } from '../sql/queries.js';
import { READ_STATEMENT_TIMEOUT_MS, type StreamSql, streamSql } from '../sql/stream.js';
import { StreamClosedError } from './errors.js';
import type { EventStreamEvents } from './events.js';
import { matcher } from './matcher.js';
import {
  type EventStreamOptions,
  type ResolvedStreamOptions,
  resolveStreamOptions,
} from './options.js';
import { decodeAfter, encodePosition, NIL_ID, type StreamPosition } from './position.js';
import { type Feed, type StreamItem, Subscription } from './subscription.js';

/** Options of one {@link EventStream.subscribe} call. */
export interface SubscribeOptions {
  /**
   * Start after this cursor: one a previous subscription gave (`StreamEvent.cursor`,
   * `SubscriberLaggedError.cursor`), or a `nextCursor` of an ascending `listEvents` read with the
   * same scope and filters. @default none: the events that commit after the subscription
   * starts, at its first `next()` (its `cursor` is defined from then on; an event committed
   * before that is not delivered)
   */
  readonly after?: string;
  /** Ends the subscription (its iteration finishes) when aborted. */
  readonly signal?: AbortSignal;
}

type Row = EventRow & { readonly tx: string; readonly settled?: boolean };

/** Live subscribers of one user with the same scope and filters: one test of each row for all. */
interface Audience {
  readonly matches: (record: EventRecord) => boolean;
  readonly subs: Set<Subscription>;
}

const SUBSCRIBE_KEYS = new Set(['after', 'signal']);
const NO_FILTERS = resolveFilters({});
/** First wait before looking again at rows that committed but are not settled yet, in ms. */
const SETTLE_RETRY_MS = 5;
/**
 * Longest wait between two looks at committed rows that are not settled yet, in ms: once the
 * transaction holding them back ends, they are delivered within this, whatever `pollIntervalMs`.
 */
const MAX_SETTLE_RETRY_MS = 1000;
/**
 * Longest a shared read may wait for an answer on the LISTEN connection. A connection whose
 * socket died silently (a NAT or load balancer forgot it) answers nothing and reports nothing:
 * past this it is dropped and made anew, instead of holding every subscriber until TCP gives
 * up. (A read the server is slow with ends there first, by the connection's statement_timeout.)
 */
const READ_TIMEOUT_MS = READ_STATEMENT_TIMEOUT_MS + 2000;

/** The cursor last sealed for a position (each read row's position is one shared object). */
const sealed = new WeakMap<StreamPosition, { readonly binding: string; readonly cursor: string }>();

const item = (row: Row): StreamItem => ({
  record: toRecord(row),
  position: { tx: row.tx, id: row.id },
});

/**
 * Live events of `event_logs`: each subscriber gets the events of its scope and filters that
 * committed after its cursor, then every new one as it commits, each once, in one stable order
 * (the writing transaction, then the event id), with a cursor to resume after it.
 *
 * One reader per stream reads new rows for all subscribers, on one LISTEN connection, woken by
 * its NOTIFY (and by a poll as a safety net), and hands each subscriber the events of its scope
 * in memory. It reads only rows whose transaction is older than every transaction still open that
 * may write here, so a transaction that commits late can never put a row behind a position
 * already passed: no gap, no repeat. A long transaction in the database holds new events back
 * until it ends.
 */
export class EventStream extends ListenerSafeEmitter<EventStreamEvents> {
  readonly #executor: Executor;
  readonly #db: ReturnType<typeof unwrapDatabase>;
  readonly #schema: string;
  readonly #sql: StreamSql;
  readonly #codec: CursorCodec;
  readonly #options: ResolvedStreamOptions;
  readonly #feed: Feed;
  readonly #all = new Map<Subscription, () => void>();
  /** Live subscribers by user, then by `matchKey`. */
  readonly #live = new Map<string, Map<string, Audience>>();
  #head: StreamPosition | undefined;
  #headRead: Promise<StreamPosition> | undefined;
  /** Counts resets of the head, so a read that straddles one drops its rows. */
  #epoch = 0;
  #listener: Listener | undefined;
  #poll: NodeJS.Timeout | undefined;
  #settle: NodeJS.Timeout | undefined;
  #settleDelay = SETTLE_RETRY_MS;
  #reading = false;
  #again = false;
  #closing: Promise<void> | undefined;
  /** Wake-ups asked for since the last microtask ran them. */
  #wakes: (() => void)[] = [];

  constructor(options: EventStreamOptions) {
    super();
    this.#executor = toExecutor(options?.db, 'options.db');
    this.#db = unwrapDatabase(options.db, 'options.db');
    this.#schema = tableNames(options.schema, 'options.schema').schema;
    this.#sql = streamSql(tableNames(this.#schema));
    this.#codec = new CursorCodec(options.cursorSecret);
    this.#options = resolveStreamOptions(options);
    if (this.#options.listen) checkListenable(this.#db);
    this.#feed = {
      bufferSize: this.#options.bufferSize,
      batchSize: this.#options.batchSize,
      head: () => this.#head as StreamPosition,
      join: (sub) => this.#join(sub),
      leave: (sub) => this.#leave(sub),
      cursor: (position, binding) => {
        // Subscribers of one scope and filters share a binding: one HMAC per event for them all.
        const last = sealed.get(position);
        if (last?.binding === binding) return last.cursor;
        const cursor = encodePosition(this.#codec, position, binding);
        sealed.set(position, { binding, cursor });
        return cursor;
      },
      wake: (callback) => {
        if (this.#wakes.push(callback) === 1) queueMicrotask(() => this.#runWakes());
      },
    };
  }

  /** Subscriptions open now (reading history or live). */
  get subscriberCount(): number {
    return this.#all.size;
  }

  /**
   * Subscribes to the events of `scope` matching `filters` (as `EventQueries.listEvents` reads
   * them). Bad input is refused here, synchronously, with a `ValidationError` naming the field.
   * The subscription reads nothing until it is iterated.
   */
  subscribe(
    scope: QueryScope,
    filters: EventFilters = {},
    options: SubscribeOptions = {},
  ): Subscription {
    if (this.#closing) throw new StreamClosedError();
    const s = resolveScope(scope);
    const f = resolveFilters(filters);
    const o = knownFields(options, 'options', SUBSCRIBE_KEYS, 'a subscribe option');
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
    const signal = o.signal as AbortSignal | undefined;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new ValidationError('options.signal', 'VALIDATION_TYPE', 'must be an AbortSignal');
    }
    const sub = new Subscription(this.#feed, {
      userId: s.userId,
      matches: matcher(s, f),
      matchKey: JSON.stringify([s, f]),
      binding,
      start: async () => {
        const head = await this.#readHead();
        if (after === undefined) return head;
        if ('stream' in after) return after.stream;
        return this.#positionOf(s, after.list.id);
      },
      history: async (from, upTo, limit) => {
        const p = new SqlParameters();
        const where = eventConditions(p, s, f);
        const text = this.#sql.history(
          where,
          `(${p.add(from.tx, 'xid8')}, ${p.add(from.id, 'uuid')})`,
          `(${p.add(upTo.tx, 'xid8')}, ${p.add(upTo.id, 'uuid')})`,
          p.add(limit, 'int4'),
        );
        return (await this.#executor.query<Row>(text, p.values)).rows.map(item);
      },
    });
    const onAbort = () => sub.end();
    this.#all.set(sub, () => signal?.removeEventListener('abort', onAbort));
    if (this.#all.size === 1) this.#start();
    if (signal?.aborted) sub.end();
    else signal?.addEventListener('abort', onAbort, { once: true });
    return sub;
  }

  /** Ends every subscription (their iterations finish), stops reading and listening. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#poll);
      clearTimeout(this.#settle);
      for (const sub of [...this.#all.keys()]) sub.end();
      // A PGlite closed by its host refuses UNLISTEN; closing the stream cannot fail for that.
      await this.#listener?.close().catch(() => {});
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #runWakes(): void {
    const wakes = this.#wakes;
    this.#wakes = [];
    for (const wake of wakes) {
      try {
        wake();
      } catch (error) {
        this.emit('error', error);
      }
    }
  }

  /** Starts listening and polling, once, at the first subscription. */
  #start(): void {
    if (this.#poll !== undefined) return;
    this.#poll = setInterval(() => this.#wake(), this.#options.pollIntervalMs);
    this.#poll.unref();
    if (!this.#options.listen) return;
    this.#listener = listen(this.#db, this.#sql, {
      notified: () => this.#wake(),
      state: (connected, error) => {
        if (connected) this.#wake();
        this.emit('listen', error === undefined ? { connected } : { connected, error });
      },
    });
  }

  #join(sub: Subscription): void {
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

  #leave(sub: Subscription): void {
    this.#all.get(sub)?.();
    this.#all.delete(sub);
    const audiences = this.#live.get(sub.userId);
    const audience = audiences?.get(sub.matchKey);
    if (audiences && audience?.subs.delete(sub) && audience.subs.size === 0) {
      audiences.delete(sub.matchKey);
      if (audiences.size === 0) this.#live.delete(sub.userId);
    }
    if (this.#all.size === 0) {
      // Nobody reads: forget the head; the next subscriber starts from a fresh one.
      this.#head = undefined;
      this.#epoch += 1;
      clearTimeout(this.#settle);
    }
  }

  /** The shared reader's head, read as the settled mark when there is none yet. */
  async #readHead(): Promise<StreamPosition> {
    if (this.#head !== undefined) return this.#head;
    this.#headRead ??= this.#executor
      .query<{ tx: string }>(this.#sql.settledMark)
      .then(({ rows }) => {
        this.#head ??= { tx: (rows[0] as { tx: string }).tx, id: NIL_ID };
        this.#wake();
        return this.#head;
      })
      .finally(() => {
        this.#headRead = undefined;
      });
    return this.#headRead;
  }

  /** The stream position of the event a list cursor points at. */
  async #positionOf(scope: ResolvedScope, id: string): Promise<StreamPosition> {
    const p = new SqlParameters();
    const text = this.#sql.positionOf(eventConditions(p, scope, NO_FILTERS), p.add(id, 'uuid'));
    const { rows } = await this.#executor.query<{ tx: string }>(text, p.values);
    const row = rows[0];
    if (row === undefined) {
      throw new ValidationError('options.after', 'VALIDATION_RANGE', 'its event no longer exists');
    }
    return { tx: row.tx, id };
  }

  /** Asks the shared reader to read; a read already running reads once more after. */
  #wake(): void {
    if (this.#closing || this.#head === undefined) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    void this.#readAll();
  }

  async #readAll(): Promise<void> {
    this.#reading = true;
    let waiting = false;
    try {
      do {
        this.#again = false;
        waiting = await this.#readSettled();
      } while (this.#again && !this.#closing);
    } catch (error) {
      this.emit('error', error);
    } finally {
      this.#reading = false;
    }
    clearTimeout(this.#settle);
    if (!waiting) {
      this.#settleDelay = SETTLE_RETRY_MS;
      return;
    }
    // Rows committed above the settled mark: look again soon, then less often.
    this.#settle = setTimeout(() => this.#wake(), this.#settleDelay);
    this.#settle.unref();
    this.#settleDelay = Math.min(
      this.#settleDelay * 2,
      MAX_SETTLE_RETRY_MS,
      this.#options.pollIntervalMs,
    );
  }

  /**
   * The rows after `head`, settled or not: on the LISTEN connection while it is up (prepared,
   * one plan); else through `db`, planned each time. Undefined when that connection was lost
   * under the read or gave no answer in time (it is dropped and made anew; `listen` reports
   * it): the read after the reconnect takes over. A connection whose prepared read no longer
   * fits (a column changed type) is made anew too, and that read's error thrown.
   */
  async #read(head: StreamPosition): Promise<Row[] | undefined> {
    const values = [head.tx, head.id, this.#options.batchSize];
    const listener = this.#listener;
    const connection = listener?.connection;
    if (!connection) return (await this.#executor.query<Row>(this.#sql.readAfter, values)).rows;
    const { text, name } = this.#sql.listenRead;
    try {
      const read = await within(sessionOf(connection).query<Row>(text, values, name), {
        timeoutMs: READ_TIMEOUT_MS,
      });
      if (read.done) return read.value.rows;
      listener.drop(connection, new Error(`the read got no answer within ${READ_TIMEOUT_MS} ms`));
      return undefined;
    } catch (error) {
      if (listener.connection !== connection) return undefined;
      const fate = connectionFate(error);
      if (fate !== 'kept') {
        listener.drop(connection, error instanceof Error ? error : new Error(String(error)));
      }
      if (fate === 'lost') return undefined;
      throw error;
    }
  }

  /**
   * Reads settled rows after the head and hands each to the live subscribers of its user that
   * it matches. Resolves whether committed rows wait above the settled mark.
   */
  async #readSettled(): Promise<boolean> {
    const { batchSize } = this.#options;
    for (;;) {
      const epoch = this.#epoch;
      const head = this.#head;
      if (head === undefined) return false;
      const rows = await this.#read(head);
      if (rows === undefined || epoch !== this.#epoch || this.#closing) return false;
      for (const row of rows) {
        if (row.settled !== true) return true;
        this.#head = { tx: row.tx, id: row.id };
        const audiences = this.#live.get(row.userId);
        if (audiences === undefined) continue;
        const it = item(row);
        for (const audience of audiences.values()) {
          if (audience.matches(it.record)) for (const sub of audience.subs) sub.deliver(it);
        }
      }
      if (rows.length < batchSize) return false;
    }
  }
}
