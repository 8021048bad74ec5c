import { ConsumerError, type CursorExpiredError } from '../../errors.js';
import { type Backoff, backoffDelay } from '../../retry/backoff.js';
import { checkOut, type PooledClient } from '../driver/checkout.js';
import { sessionOf } from '../driver/executor.js';
import type { PgPoolLike } from '../driver/types.js';
import type { CommittedReads, PartitionedEvent } from '../read/committed.js';
import { checkPosition, readHorizon } from '../read/horizon.js';
import { comparePositions, earliest, type StreamPosition } from '../read/position.js';
import type { ConsumerSql, PartitionRow } from '../sql/consumer.js';
import { horizonSql } from '../sql/horizon.js';
import type { TableNames } from '../sql/names.js';
import type { Group } from './group.js';
import type { Connection, PartitionWork } from './handling.js';
import { counts } from './setup.js';

/** Reconnects of the member's connection after a database error: 100 ms doubling to 5 s. */
const RECONNECT: Backoff = Object.freeze({
  retries: Number.POSITIVE_INFINITY,
  minDelayMs: 100,
  maxDelayMs: 5000,
  factor: 2,
  jitter: 'equal',
});

/** Most partitions one read is sized for (the read takes `batchSize` events per partition). */
const READ_PARTITIONS = 10;

/** What a member's loop needs. @internal */
export interface LoopContext {
  readonly pool: PgPoolLike;
  readonly names: TableNames;
  readonly sql: ConsumerSql;
  readonly consumer: string;
  readonly member: string;
  readonly partitions: number;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  /** Least time between two moves of the checkpoints of partitions that read nothing. */
  readonly idleMoveMs: number;
  /** The events read are those created at or after this (epoch ms), or all when null. */
  readonly fromMs: number | null;
  readonly group: Group;
  readonly work: PartitionWork;
  readonly reads: (connection: Connection) => CommittedReads;
  /** Aborts when the member closes: the loop ends after the batch in flight. */
  readonly signal: AbortSignal;
  readonly fault: (error: ConsumerError | CursorExpiredError) => void;
  /** Partitions above its share were given back. */
  readonly released: (partitions: readonly number[]) => void;
}

/**
 * The work of one member: on its own pool connection, reads the events of the partitions it
 * holds once for all of them (from the lowest checkpoint up to the settled mark), hands each
 * partition's events to {@link PartitionWork} (which moves each checkpoint with its batch),
 * and moves the checkpoints of the partitions that had none in the range to its end (when
 * caught up, at most once per `idleMoveMs`). After an error it reconnects and reloads its
 * checkpoints as stored. Sleeps when caught up until NOTIFY or the poll.
 * @internal
 */
export class MemberLoop {
  readonly #c: LoopContext;
  #connection: (Connection & { readonly client: PooledClient }) | undefined;
  /** Partitions whose checkpoint retention passed: held, never read again. */
  readonly #expired = new Set<number>();
  #woken = false;
  /** When (performance.now()) the checkpoints of partitions that read nothing last moved. */
  #idleMovedAt = Number.NEGATIVE_INFINITY;
  #wakeUp: (() => void) | undefined;

  constructor(context: LoopContext) {
    this.#c = context;
  }

  /** Looks for events now (a NOTIFY, a partition taken). */
  wake(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  /** Drops the connection (at the close deadline): a transaction on it rolls back. */
  abort(): void {
    this.#drop(new Error('closed'));
  }

  /** Runs until the signal aborts; then gives the connection back. */
  async run(): Promise<void> {
    const { signal } = this.#c;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (this.#connection === undefined) {
          const connection = await this.#connect();
          this.#connection = connection;
          // After an error, a batch may have committed or not: the checkpoints as stored.
          if (failures > 0) await this.#c.group.reload(connection.session);
        }
        const caughtUp = await this.#once(this.#connection);
        failures = 0;
        if (caughtUp) await this.#sleep(this.#c.pollIntervalMs);
      } catch (error) {
        if (signal.aborted) break;
        this.#drop(error);
        failures += 1;
        this.#c.fault(
          new ConsumerError('CONSUMER_DATABASE', this.#c.consumer, 'reading or handling failed', {
            cause: error,
          }),
        );
        await this.#sleep(backoffDelay(failures, RECONNECT));
      }
    }
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection === undefined) return;
    // Back to the pool with its settings as they were, or not at all.
    await connection.session.query(this.#c.sql.unwalk).then(
      () => connection.client.release(),
      (error: Error) => connection.client.release(error),
    );
  }

  async #connect() {
    const client = await checkOut(this.#c.pool);
    const session = sessionOf(client);
    try {
      await session.query(this.#c.sql.walkIndex);
    } catch (error) {
      client.release(error as Error);
      throw error;
    }
    return { client, session };
  }

  #drop(error: unknown): void {
    const connection = this.#connection;
    this.#connection = undefined;
    connection?.client.release(error instanceof Error ? error : new Error(String(error)));
  }

  /** Waits `ms`, or until woken or aborted. */
  #sleep(ms: number): Promise<void> {
    if (this.#woken || this.#c.signal.aborted) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#c.signal.removeEventListener('abort', done);
        this.#wakeUp = undefined;
        this.#woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeUp = done;
      this.#c.signal.addEventListener('abort', done, { once: true });
    });
  }

  /**
   * One read and its handling; true when it read everything up to the settled mark. Retention
   * is checked after the read, against each checkpoint it read from: a removal that committed
   * before the read is seen, and the partitions it cut are not handled.
   */
  async #once(connection: Connection): Promise<boolean> {
    const { group, session } = { group: this.#c.group, session: connection.session };
    const shed = await group.shed(session);
    if (shed.length > 0) this.#c.released(shed);
    const active = [...group.owned].filter(([p]) => !this.#expired.has(p));
    if (active.length === 0) return true;
    const reads = this.#c.reads(connection);
    const upTo = await reads.mark();
    const lowest = earliest(active.map(([, at]) => at));
    const limit = this.#c.batchSize * Math.min(active.length, READ_PARTITIONS);
    const partitions = { count: this.#c.partitions, owned: active.map(([p]) => p) };
    const rows = await reads.afterIn(lowest, upTo, limit, partitions);
    await this.#checkHorizon(connection, new Map(active));
    const end = rows.length === limit ? (rows[rows.length - 1] as PartitionedEvent).position : upTo;
    const byPartition = new Map<number, { from: StreamPosition; events: PartitionedEvent[] }>();
    for (const row of rows) {
      const at = group.owned.get(row.partition);
      if (at === undefined || this.#expired.has(row.partition)) continue;
      if (comparePositions(row.position, at) <= 0) continue;
      const read = byPartition.get(row.partition);
      if (read === undefined) byPartition.set(row.partition, { from: at, events: [row] });
      else read.events.push(row);
    }
    for (const [partition, { from, events }] of byPartition) {
      if (this.#c.signal.aborted) return true;
      const outcome = await this.#c.work.run(connection, partition, events, from, end);
      if (outcome === 'stopped') return true;
      if (outcome === 'lost') group.lost(partition);
    }
    const caughtUp = rows.length < limit;
    const idle = active.map(([p]) => p).filter((p) => !byPartition.has(p));
    if (rows.length > 0 || (caughtUp && this.#idleMoveDue())) {
      await this.#advanceIdle(connection, idle, end);
    }
    return caughtUp;
  }

  /**
   * Whether the checkpoints of partitions that read nothing should move now: at most once per
   * `idleMoveMs` while nothing is read, so that a partition whose events are rare (a filter)
   * keeps up with retention without a write at every poll.
   */
  #idleMoveDue(): boolean {
    const now = performance.now();
    if (now - this.#idleMovedAt < this.#c.idleMoveMs) return false;
    this.#idleMovedAt = now;
    return true;
  }

  /** Moves the checkpoints of `idle` (partitions that had no events in the read) to its end. */
  async #advanceIdle(
    { session }: Connection,
    idle: readonly number[],
    end: StreamPosition,
  ): Promise<void> {
    const { group, sql, consumer, member } = this.#c;
    const moving = idle.filter((p) => group.owned.has(p) && !this.#expired.has(p));
    if (moving.length === 0) return;
    const moved = await session.query<PartitionRow>(sql.advance, [
      consumer,
      member,
      moving,
      end.tx,
      end.id,
    ]);
    for (const row of moved.rows) group.moved(row.partition, end);
  }

  /**
   * Stops (for good, with a `CursorExpiredError`) each partition whose checkpoint (of `read`,
   * the checkpoints a read started from) retention passed.
   */
  async #checkHorizon(
    { session }: Connection,
    read: ReadonlyMap<number, StreamPosition>,
  ): Promise<void> {
    const horizon = await readHorizon(session, horizonSql(this.#c.names));
    if (!counts(horizon, this.#c.fromMs)) return;
    for (const [partition, at] of read) {
      if (this.#expired.has(partition)) continue;
      try {
        checkPosition(
          horizon,
          at,
          `the checkpoint of partition ${partition} of consumer '${this.#c.consumer}'`,
        );
      } catch (error) {
        this.#expired.add(partition);
        this.#c.fault(error as CursorExpiredError);
      }
    }
  }
}
