import { ConsumerError, describe } from '../../errors.js';
import type { EventRecord } from '../../event/types.js';
import type { Backoff } from '../../retry/backoff.js';
import { retry } from '../../retry/retry.js';
import type { QueryableLike, Session } from '../driver/types.js';
import type { PartitionedEvent } from '../read/committed.js';
import type { StreamPosition } from '../read/position.js';
import type { ConsumerSql } from '../sql/consumer.js';
import type { Group } from './group.js';
import type { ConsumerCounters } from './metrics.js';
import type { ConsumerHandler } from './options.js';

/**
 * What handling a partition's events came to: `stale` when the checkpoint had moved since the
 * read (reloaded: read again), `lost` when the lease was. @internal
 */
export type Handled = 'done' | 'lost' | 'stale' | 'stopped';

/** What one transaction came to. */
type Fenced = 'done' | 'lost' | 'stale';

/** SQLSTATE of a statement in a transaction an earlier error aborted. */
const ABORTED = '25P02';

/** The key of an event, as `CONSUMER_KEY` computes it in SQL. @internal */
export const keyOf = (e: EventRecord): string => e.aggregateId ?? e.sessionId ?? e.userId;

/** The connection a member handles on: the session and the driver's client under it. @internal */
export interface Connection {
  readonly session: Session;
  readonly client: QueryableLike;
}

/** What a {@link PartitionWork} needs of its member. @internal */
export interface WorkContext {
  readonly sql: ConsumerSql;
  readonly consumer: string;
  readonly member: string;
  readonly handle: ConsumerHandler;
  readonly batchSize: number;
  readonly retry: Backoff;
  readonly counters: ConsumerCounters;
  /** The member's partitions: their checkpoints move with each batch committed. */
  readonly group: Group;
  /** Aborts when the member closes: retries stop waiting, and nothing new begins. */
  readonly signal: AbortSignal;
  /** Reports a parked event. */
  readonly parked: (error: ConsumerError) => void;
}

/** The handler threw: its error, to tell it from the database's. */
class HandlerFailed {
  constructor(readonly error: unknown) {}
}

const BEHIND = 'parked behind an earlier parked event of its key';

const SWALLOWED =
  'the handler returned with its transaction aborted: it caught an error of the database and ' +
  'went on; rethrow it, or run the statement that may fail in a SAVEPOINT';

/**
 * Handles the events of one partition, each batch in a transaction with the move of the
 * partition's checkpoint, fenced by the member's lease: a batch whose lease was lost rolls
 * back. A batch the handler fails on is tried again one event at a time; an event still
 * failing after its retries is parked with the later events of its key, and the others go on.
 * @internal
 */
export class PartitionWork {
  readonly #c: WorkContext;

  constructor(context: WorkContext) {
    this.#c = context;
  }

  /**
   * Handles `events` of `partition` (read after its checkpoint `from`, in order), and moves its
   * checkpoint to `end` (the read's bound) with the last batch. Database errors are thrown.
   */
  async run(
    db: Connection,
    partition: number,
    events: readonly PartitionedEvent[],
    from: StreamPosition,
    end: StreamPosition,
  ): Promise<Handled> {
    const { batchSize } = this.#c;
    let at = from;
    for (let i = 0; i < events.length; i += batchSize) {
      if (this.#c.signal.aborted) return 'stopped';
      const chunk = events.slice(i, i + batchSize);
      const last = i + batchSize >= events.length;
      const to = last ? end : (chunk[chunk.length - 1] as PartitionedEvent).position;
      const outcome = await this.#batch(db, partition, chunk, at, to);
      if (outcome instanceof HandlerFailed) {
        this.#c.counters.retries += 1;
        const alone = await this.#oneByOne(db, partition, chunk, at, to);
        if (alone !== 'done') return alone;
      } else if (outcome !== 'done') {
        return outcome;
      }
      at = to;
    }
    return 'done';
  }

  /** The events of `chunk` one at a time, each retried and then parked. */
  async #oneByOne(
    db: Connection,
    partition: number,
    chunk: readonly PartitionedEvent[],
    from: StreamPosition,
    end: StreamPosition,
  ): Promise<Handled> {
    let at = from;
    for (const [i, event] of chunk.entries()) {
      const to = i === chunk.length - 1 ? end : event.position;
      let failed: HandlerFailed | undefined;
      const attempt = async (): Promise<Fenced> => {
        const outcome = await this.#batch(db, partition, [event], at, to);
        if (outcome instanceof HandlerFailed) {
          failed = outcome;
          throw outcome;
        }
        return outcome;
      };
      const outcome = await retry(attempt, {
        backoff: this.#c.retry,
        signal: this.#c.signal,
        shouldRetry: (error) => {
          if (!(error instanceof HandlerFailed)) return false;
          this.#c.counters.retries += 1;
          return true;
        },
      }).catch((error: unknown) => {
        if (!(error instanceof HandlerFailed)) throw error;
        return error;
      });
      if (outcome === 'lost' || outcome === 'stale') return outcome;
      if (outcome instanceof HandlerFailed) {
        if (this.#c.signal.aborted) return 'stopped';
        const attempts = this.#c.retry.retries + 1;
        const parked = await this.#park(db, partition, event, at, to, attempts, failed?.error);
        if (parked !== 'done') return parked;
      }
      at = to;
    }
    return 'done';
  }

  /**
   * One transaction: the events of keys already parked in the partition are parked behind
   * them, the others handled, and the checkpoint moved from `from` to `to`. A handler that
   * returns with its transaction aborted (it caught a database error) failed.
   */
  async #batch(
    db: Connection,
    partition: number,
    events: readonly PartitionedEvent[],
    from: StreamPosition,
    to: StreamPosition,
  ): Promise<Fenced | HandlerFailed> {
    const { session, client } = db;
    const { sql, consumer, counters } = this.#c;
    let returned = false;
    await session.query(this.#c.sql.begin);
    try {
      const parked = await session.query<{ key: string }>(sql.parkedKeys, [consumer, partition]);
      const blocked = new Set(parked.rows.map((r) => r.key));
      const behind = blocked.size === 0 ? [] : events.filter((e) => blocked.has(keyOf(e.record)));
      const free =
        behind.length === 0 ? events : events.filter((e) => !blocked.has(keyOf(e.record)));
      if (free.length > 0) {
        const started = performance.now();
        try {
          await this.#c.handle(
            free.map((e) => e.record),
            client,
          );
        } catch (error) {
          await session.query('ROLLBACK');
          return new HandlerFailed(error);
        }
        counters.handleDuration.record(performance.now() - started);
      }
      returned = true;
      if (behind.length > 0) await this.#insertParked(session, partition, behind, 0, BEHIND);
      const fenced = await this.#fence(session, partition, from, to);
      if (fenced !== 'done') return fenced;
      counters.handled += free.length;
      counters.batches += 1;
      counters.parked += behind.length;
      return 'done';
    } catch (error) {
      await session.query('ROLLBACK').catch(() => undefined);
      if (returned && (error as { code?: unknown }).code === ABORTED) {
        return new HandlerFailed(new Error(SWALLOWED, { cause: error }));
      }
      throw error;
    }
  }

  /** Parks `event` after `attempts` failed ones, and moves the checkpoint from `from` to `to`. */
  async #park(
    db: Connection,
    partition: number,
    event: PartitionedEvent,
    from: StreamPosition,
    to: StreamPosition,
    attempts: number,
    cause: unknown,
  ): Promise<Fenced> {
    const { session } = db;
    await session.query(this.#c.sql.begin);
    try {
      await this.#insertParked(session, partition, [event], attempts, describe(cause));
      const fenced = await this.#fence(session, partition, from, to);
      if (fenced !== 'done') return fenced;
    } catch (error) {
      await session.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    this.#c.counters.parked += 1;
    const key = keyOf(event.record);
    this.#c.parked(
      new ConsumerError(
        'CONSUMER_PARKED',
        this.#c.consumer,
        `event ${event.record.id} (key '${key}') parked after ${attempts} attempt(s): ${describe(cause)}`,
        { cause },
      ),
    );
    return 'done';
  }

  async #insertParked(
    session: Session,
    partition: number,
    events: readonly PartitionedEvent[],
    attempts: number,
    error: string,
  ): Promise<void> {
    await session.query(this.#c.sql.park, [
      this.#c.consumer,
      events.map((e) => e.record.id),
      events.map((e) => e.record.createdAt.getTime()),
      partition,
      attempts,
      error,
    ]);
  }

  /**
   * The fence, and the end of the transaction: moves the checkpoint from `from` to `to` while
   * the lease holds and commits, or rolls back when it moved nothing: `stale` when the member
   * still holds the partition (its checkpoint, moved since the read, is reloaded), else `lost`.
   */
  async #fence(
    session: Session,
    partition: number,
    from: StreamPosition,
    to: StreamPosition,
  ): Promise<Fenced> {
    const { sql, consumer, member, group } = this.#c;
    const moved = await session.query(sql.fence, [
      consumer,
      member,
      partition,
      to.tx,
      to.id,
      from.tx,
      from.id,
    ]);
    if (moved.rowCount > 0) {
      await session.query('COMMIT');
      group.moved(partition, to);
      return 'done';
    }
    await session.query('ROLLBACK');
    await group.reload(session, [partition]);
    if (group.owned.has(partition)) return 'stale';
    this.#c.counters.leaseLost += 1;
    return 'lost';
  }
}
