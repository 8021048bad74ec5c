import { settledWithin } from '../../../async/wait.js';
import type { Deadline } from '../../../lifecycle/close.js';
import { Durations } from '../../../lifecycle/durations.js';
import type { Executor } from '../../driver/types.js';
import { ORIGIN } from '../../read/position.js';
import type { TableNames } from '../../sql/names.js';
import type { StreamSql } from '../../sql/stream.js';
import { WalError } from '../../wal/errors.js';
import type { WalTransaction } from '../../wal/replication.js';
import { StreamError } from '../errors.js';
import type { ReaderCounters } from '../reader.js';
import type { AnySubscription, StreamItem } from '../subscription.js';
import { Floors } from './floor.js';
import type { WalSource } from './open.js';
import { ensurePublication } from './publication.js';
import { walRow } from './rows.js';
import type { Tap } from './tap.js';

/** What the feed from the WAL is given. @internal */
export interface WalFeedSetup {
  readonly executor: Executor;
  readonly names: TableNames;
  readonly sql: StreamSql;
  /** The publication of `event_logs`' inserts (made when missing). */
  readonly publication: string;
  /** A reader of a new temporary slot of that publication. */
  readonly open: () => WalSource;
  /** Milliseconds between two readings of the settled mark (the cursors' floor). */
  readonly pollIntervalMs: number;
  /** Hands an event to the live subscribers of its scope. */
  readonly deliver: (userId: string, item: StreamItem) => void;
  /** A reading of the floor failed (tried again at the next interval). */
  readonly failed: (error: StreamError) => void;
  /** The replication connection failed: the feed stopped, and starts anew when asked to. */
  readonly lost: (error: WalError) => void;
}

/** A subscriber reading its history: its tap, and what it joins the live events with. */
interface Joining {
  readonly tap: Tap;
  readonly live: () => StreamItem[];
}

/**
 * The live events of a stream from the WAL: one temporary replication slot (gone with its
 * connection, so a crashed process leaves none behind) streams `event_logs`' inserts through a
 * publication, in commit order, at commit; each is handed to the live subscribers of its scope,
 * and held for those still reading their history. Each event's cursor resumes from the settled
 * mark read last before its transaction committed (see {@link Floors}), read every
 * `pollIntervalMs`, when what was handed over is confirmed too: the slot holds no WAL back.
 * @internal
 */
export class WalFeed {
  readonly counters: ReaderCounters = { reads: 0, readDurationMs: new Durations() };
  readonly #setup: WalFeedSetup;
  readonly #joining = new Map<AnySubscription, Joining>();
  #ready: Promise<void> | undefined;
  #source: WalSource | undefined;
  #floors = new Floors();
  #timer: NodeJS.Timeout | undefined;
  #streaming = false;
  /** A reading of the floor is under way (one at a time, so they come in order). */
  #reading = false;
  /** The end of the last transaction handed over: confirmed at each reading of the floor. */
  #handled = 0n;
  #run: Promise<void> | undefined;
  #closed = false;

  constructor(setup: WalFeedSetup) {
    this.#setup = setup;
  }

  /** Whether the slot streams. */
  get streaming(): boolean {
    return this.#streaming;
  }

  /**
   * Resolves once the slot streams: the publication made if missing, a floor read, the slot
   * made (which waits for the transactions already running to end). Rejects with a `WalError`
   * (the next call tries again).
   */
  ready(): Promise<void> {
    this.#ready ??= this.#start().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /** Holds the events of `tap`'s scope for `sub` until it joins. */
  hold(sub: AnySubscription, tap: Tap, live: () => StreamItem[]): void {
    this.#joining.set(sub, { tap, live });
  }

  /**
   * Hands `sub` what its tap kept that its history did not read, and lets it go: the router
   * hands it the events from now on. False (nothing done) when the tap let events go since
   * its last read: it reads its history once more first.
   */
  join(sub: AnySubscription): boolean {
    const joining = this.#joining.get(sub);
    if (joining?.tap.overflowed) return false;
    this.#joining.delete(sub);
    for (const item of joining?.live() ?? []) sub.deliver(item);
    return true;
  }

  leave(sub: AnySubscription): void {
    this.#joining.delete(sub);
  }

  /** Stops streaming and drops the slot (its connection ends), until the deadline. */
  async close(deadline: Deadline): Promise<boolean> {
    this.#closed = true;
    return this.#stop(deadline.signal);
  }

  async #start(): Promise<void> {
    const { executor, names, publication } = this.#setup;
    await ensurePublication(executor, names, publication);
    // Read before the slot exists, so before every commit it streams.
    await this.#readFloor();
    const source = this.#setup.open();
    this.#source = source;
    try {
      await source.start();
    } catch (error) {
      await this.#stop();
      throw error;
    }
    if (this.#closed) {
      await this.#stop();
      throw new WalError('WAL_REPLICATION', 'the stream was closed while its slot was made');
    }
    this.#streaming = true;
    this.#timer = setInterval(() => void this.#readFloor(), this.#setup.pollIntervalMs);
    this.#timer.unref();
    this.#run = this.#follow(source);
  }

  async #follow(source: WalSource): Promise<void> {
    try {
      for await (const tx of source.transactions()) {
        this.#handle(tx);
        this.#handled = tx.endLsn;
      }
    } catch (error) {
      if (this.#closed) return;
      await this.#stop();
      this.#ready = undefined;
      this.#setup.lost(
        error instanceof WalError
          ? error
          : new WalError('WAL_REPLICATION', 'the slot failed', error),
      );
    }
  }

  #handle(tx: WalTransaction): void {
    const started = performance.now();
    const { schema } = this.#setup.names;
    // Before any reading (never: one is made before the slot): from the start, repeating much.
    const floor = this.#floors.at(tx.commitLsn) ?? ORIGIN;
    for (const insert of tx.inserts) {
      if (insert.table !== 'event_logs' || insert.schema !== schema) continue;
      const row = walRow(insert);
      const item: StreamItem = { record: row.record, position: floor };
      this.#setup.deliver(row.record.userId, item);
      for (const { tap } of this.#joining.values()) {
        if (tap.userId === row.record.userId && tap.matches(row.record)) tap.hold(item, row.tx);
      }
    }
    this.counters.reads += 1;
    this.counters.readDurationMs.record(performance.now() - started);
  }

  async #readFloor(): Promise<void> {
    // Nothing to read again: everything handed over is confirmed (one message a reading, not
    // one a transaction), so the slot keeps no WAL back.
    if (this.#handled > 0n) this.#source?.confirm(this.#handled);
    if (this.#reading) return;
    this.#reading = true;
    try {
      const { rows } = await this.#setup.executor.query<{ tx: string; lsn: string }>(
        this.#setup.sql.floor,
      );
      const row = rows[0] as { tx: string; lsn: string };
      this.#floors.add({ tx: row.tx, lsn: BigInt(row.lsn) });
    } catch (error) {
      // An older reading stays in use: its cursors repeat more, and lose nothing.
      if (!this.#closed) this.#setup.failed(new StreamError('STREAM_READ', error));
    } finally {
      this.#reading = false;
    }
  }

  /** Ends the slot's connection and the readings; whether that ended before `signal`. */
  async #stop(signal?: AbortSignal): Promise<boolean> {
    this.#streaming = false;
    clearInterval(this.#timer);
    const source = this.#source;
    this.#source = undefined;
    this.#floors = new Floors();
    this.#handled = 0n;
    const ended = source?.close();
    if (signal === undefined) {
      await ended?.catch(() => {});
      return true;
    }
    const [closed, followed] = await Promise.all([
      settledWithin(ended, { signal }),
      settledWithin(this.#run, { signal }),
    ]);
    return closed && followed;
  }
}
