import { settledWithin } from '../../async/wait.js';
import type { Deadline } from '../../lifecycle/close.js';
import { Durations } from '../../lifecycle/durations.js';
import type { Executor, QueryableLike } from '../driver/types.js';
import { type Listener, listen } from '../notify/listener.js';
import { readSettledMark } from '../read/committed.js';
import type { StreamPosition } from '../read/position.js';
import type { StreamSql } from '../sql/stream.js';
import { StreamError } from './errors.js';
import type { StreamRow } from './history.js';

/**
 * First wait before looking again at rows that committed but are not settled yet, in ms.
 * @internal
 */
export const SETTLE_RETRY_MS = 5;
/**
 * Longest wait between two looks at committed rows that are not settled yet, in ms: once the
 * transaction holding them back ends, they are delivered within this, whatever `pollIntervalMs`.
 * @internal
 */
export const MAX_SETTLE_RETRY_MS = 1000;

/** What the shared reader is given. @internal */
export interface ReaderSetup {
  readonly executor: Executor;
  /** The database itself, on which the LISTEN connection is taken. */
  readonly db: QueryableLike;
  readonly sql: StreamSql;
  readonly readSize: number;
  readonly listen: boolean;
  readonly pollIntervalMs: number;
  /** Takes each settled row read, in stream order. */
  readonly route: (row: StreamRow) => void;
  /** A read failed (it is tried again at the next poll or notification). */
  readonly failed: (error: StreamError) => void;
  /** The LISTEN connection came up, or was lost (with why). */
  readonly listening: (connected: boolean, error?: unknown) => void;
}

/** The shared reader's counters, for the stream's metrics. @internal */
export interface ReaderCounters {
  reads: number;
  readonly readDurationMs: Durations;
}

/**
 * One reader for every subscriber of a stream: reads the rows after its head, of every scope, on
 * the LISTEN connection (woken by its NOTIFY, and by a poll as a safety net), and hands each
 * settled row on, in stream order. It reads only rows whose transaction is older than every
 * transaction still open that may write here, so a transaction that commits late can never put a
 * row behind a position already passed: no gap, no repeat. Committed rows above that mark are
 * looked at again soon, then less often, until they settle.
 * @internal
 */
export class SharedReader {
  readonly counters: ReaderCounters = { reads: 0, readDurationMs: new Durations() };
  readonly #setup: ReaderSetup;
  #head: StreamPosition | undefined;
  #headRead: Promise<StreamPosition> | undefined;
  /** Counts resets of the head, so a read that straddles one drops its rows. */
  #epoch = 0;
  #listener: Listener | undefined;
  #poll: NodeJS.Timeout | undefined;
  #settle: NodeJS.Timeout | undefined;
  #settleDelay = SETTLE_RETRY_MS;
  #reading = false;
  /** The latest run of reads (one at a time), for `close()` to wait for. */
  #run: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(setup: ReaderSetup) {
    this.#setup = setup;
  }

  /**
   * Where the reader stands: every row up to it has been read and handed on. Undefined until
   * the first subscriber read it (`readHead`), and again once none is left (`reset`).
   */
  get head(): StreamPosition | undefined {
    return this.#head;
  }

  /** Whether the LISTEN connection is up. */
  get listening(): boolean {
    return this.#listener?.connected ?? false;
  }

  /** Starts listening and polling, once (at the first subscription). */
  start(): void {
    if (this.#poll !== undefined || this.#closed) return;
    const { db, sql, pollIntervalMs } = this.#setup;
    this.#poll = setInterval(() => this.wake(), pollIntervalMs);
    this.#poll.unref();
    if (!this.#setup.listen) return;
    this.#listener = listen(db, sql, {
      notified: () => this.wake(),
      state: (connected, error) => {
        if (connected) this.wake();
        this.#setup.listening(connected, error);
      },
    });
  }

  /** The head, read as the settled mark when there is none yet. */
  async readHead(): Promise<StreamPosition> {
    if (this.#head !== undefined) return this.#head;
    this.#headRead ??= readSettledMark(this.#setup.executor, this.#setup.sql)
      .then((mark) => {
        this.#head ??= mark;
        this.wake();
        return this.#head;
      })
      .finally(() => {
        this.#headRead = undefined;
      });
    return this.#headRead;
  }

  /** Nobody reads: forgets the head; the next subscriber starts from a fresh one. */
  reset(): void {
    this.#head = undefined;
    this.#epoch += 1;
    clearTimeout(this.#settle);
  }

  /** Asks for a read; a read already running reads once more after. */
  wake(): void {
    if (this.#closed || this.#head === undefined) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#run = this.#readAll();
  }

  /**
   * Stops reading, polling and listening: the LISTEN connection is released, and a read in
   * flight is waited for (its rows dropped), both until the deadline. Resolves whether both
   * ended in time.
   */
  async close(deadline: Deadline): Promise<boolean> {
    this.#closed = true;
    this.reset();
    clearInterval(this.#poll);
    // A PGlite closed by its host refuses UNLISTEN; closing the stream cannot fail for that.
    const released = settledWithin(this.#listener?.close(), { signal: deadline.signal });
    const read = settledWithin(this.#run, { signal: deadline.signal });
    const [listenerClosed, readEnded] = await Promise.all([released, read]);
    return listenerClosed && readEnded;
  }

  async #readAll(): Promise<void> {
    this.#reading = true;
    let waiting = false;
    try {
      do {
        this.#again = false;
        waiting = await this.#readSettled();
      } while (this.#again && !this.#closed);
    } catch (error) {
      if (!this.#closed) this.#setup.failed(new StreamError('STREAM_READ', error));
    } finally {
      this.#reading = false;
    }
    clearTimeout(this.#settle);
    if (!waiting || this.#closed) {
      this.#settleDelay = SETTLE_RETRY_MS;
      return;
    }
    // Rows committed above the settled mark: look again soon, then less often.
    this.#settle = setTimeout(() => this.wake(), this.#settleDelay);
    this.#settle.unref();
    this.#settleDelay = Math.min(
      this.#settleDelay * 2,
      MAX_SETTLE_RETRY_MS,
      this.#setup.pollIntervalMs,
    );
  }

  /**
   * Reads settled rows after the head and hands each on. Resolves whether committed rows wait
   * above the settled mark.
   */
  async #readSettled(): Promise<boolean> {
    const { readSize, route } = this.#setup;
    for (;;) {
      const epoch = this.#epoch;
      const head = this.#head;
      if (head === undefined) return false;
      const rows = await this.#read(head);
      if (rows === undefined || epoch !== this.#epoch || this.#closed) return false;
      for (const row of rows) {
        if (row.settled !== true) return true;
        this.#head = { tx: row.tx, id: row.id };
        route(row);
      }
      if (rows.length < readSize) return false;
    }
  }

  /**
   * The rows after `head`, settled or not: on the LISTEN connection while it is up (prepared,
   * one plan); else through `db`, planned each time. Undefined when that connection was lost
   * under the read or gave no answer in time: the listener makes it anew, and the read after
   * the reconnect takes over.
   */
  async #read(head: StreamPosition): Promise<StreamRow[] | undefined> {
    const { executor, sql, readSize } = this.#setup;
    const values = [head.tx, head.id, readSize];
    const started = performance.now();
    const answer = (await this.#listener?.query<StreamRow>(sql.listenRead, values)) ?? 'none';
    if (answer === 'lost') return undefined;
    const rows =
      answer === 'none'
        ? (await executor.query<StreamRow>(sql.readAfter, values)).rows
        : answer.rows;
    this.counters.reads += 1;
    this.counters.readDurationMs.record(performance.now() - started);
    return rows;
  }
}
