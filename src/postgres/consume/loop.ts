import { ConsumerError, type CursorExpiredError } from '../../errors.js';
import { type Backoff, backoffDelay } from '../../retry/backoff.js';
import { checkOut, type PooledClient } from '../driver/checkout.js';
import { sessionOf } from '../driver/executor.js';
import type { PgPoolLike } from '../driver/types.js';
import type { CommittedReads, PartitionedEvent } from '../read/committed.js';
import { checkPosition, readHorizon } from '../read/horizon.js';
import { comparePositions, type StreamPosition } from '../read/position.js';
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
  /** The events read are those created at or after this (epoch ms), or all when null. */
  readonly fromMs: number | null;
  readonly group: Group;
  readonly work: PartitionWork;
  readonly reads: (connection: Connection) => CommittedReads;
  /** Aborts when the member closes: the loop ends after the batch in flight. */
  readonly signal: AbortSignal;
  readonly fault: (error: ConsumerError | CursorExpiredError) => void;
}

/**
 * The work of one member: on its own pool connection, reads the events of the partitions it
 * holds once for all of them (from the lowest checkpoint up to the settled mark), hands each
 * partition's events to {@link PartitionWork}, and moves the checkpoints of the partitions
 * that had none in the range to its end. Sleeps when caught up until NOTIFY or the poll.
 * @internal
 */
export class MemberLoop {
  readonly #c: LoopContext;
  #connection: (Connection & { readonly client: PooledClient }) | undefined;
  /** Partitions whose checkpoint retention passed: held, never read again. */
  readonly #expired = new Set<number>();
  #woken = false;
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
        this.#connection ??= await this.#connect();
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
    connection?.client.release();
  }

  async #connect() {
    const client = await checkOut(this.#c.pool);
    return { client, session: sessionOf(client) };
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

  /** One read and its handling; true when it read everything up to the settled mark. */
  async #once(connection: Connection): Promise<boolean> {
    const { group, session } = { group: this.#c.group, session: connection.session };
    await group.shed(session);
    await this.#checkHorizon(connection);
    const active = [...group.owned].filter(([p]) => !this.#expired.has(p));
    if (active.length === 0) return true;
    const reads = this.#c.reads(connection);
    const upTo = await reads.mark();
    const lowest = active
      .map(([, at]) => at)
      .reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b));
    const limit = this.#c.batchSize * Math.min(active.length, READ_PARTITIONS);
    const owned = active.map(([p]) => p);
    const rows = await reads.afterIn(lowest, upTo, limit, { count: this.#c.partitions, owned });
    const end = rows.length === limit ? (rows[rows.length - 1] as PartitionedEvent).position : upTo;
    const byPartition = new Map<number, PartitionedEvent[]>();
    for (const row of rows) {
      const at = group.owned.get(row.partition);
      if (at === undefined || comparePositions(row.position, at) <= 0) continue;
      const list = byPartition.get(row.partition);
      if (list === undefined) byPartition.set(row.partition, [row]);
      else list.push(row);
    }
    for (const [partition, events] of byPartition) {
      if (this.#c.signal.aborted) return true;
      const outcome = await this.#c.work.run(connection, partition, events, end);
      if (outcome === 'stopped') return true;
      if (outcome === 'lost') group.lost(partition);
      else if (group.owned.has(partition)) group.owned.set(partition, end);
    }
    if (rows.length > 0) await this.#advanceIdle(connection, owned, byPartition, end);
    return rows.length < limit;
  }

  /** Moves the checkpoints of the partitions that had no events in the read to its end. */
  async #advanceIdle(
    { session }: Connection,
    owned: readonly number[],
    handled: ReadonlyMap<number, unknown>,
    end: StreamPosition,
  ): Promise<void> {
    const { group, sql, consumer, member } = this.#c;
    const idle = owned.filter((p) => !handled.has(p) && group.owned.has(p));
    if (idle.length === 0) return;
    const moved = await session.query<PartitionRow>(sql.advance, [
      consumer,
      member,
      idle,
      end.tx,
      end.id,
    ]);
    for (const row of moved.rows) {
      if (group.owned.has(row.partition)) group.owned.set(row.partition, end);
    }
  }

  /** Stops (for good, with a `CursorExpiredError`) each partition retention passed. */
  async #checkHorizon({ session }: Connection): Promise<void> {
    const horizon = await readHorizon(session, horizonSql(this.#c.names));
    if (!counts(horizon, this.#c.fromMs)) return;
    for (const [partition, at] of this.#c.group.owned) {
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
