import { settledWithin } from '../../async/wait.js';
import { ConsumerError } from '../../errors.js';
import { type LifecycleLog, lifecycle } from '../../lifecycle/log.js';
import { toExecutor } from '../driver/executor.js';
import type { PgPoolLike, Session } from '../driver/types.js';
import type { CommittedReads } from '../read/committed.js';
import { earliest } from '../read/position.js';
import type { ConsumerSql } from '../sql/consumer.js';
import { replayDeadLetters } from './dead-letters.js';
import type { Group } from './group.js';
import type { ConsumerCounters } from './metrics.js';
import type { ConsumerHandler } from './options.js';

/** The fault of dead letters asked back whose events retention had removed. */
const expiredLetters = (consumer: string, count: number) =>
  new ConsumerError(
    'CONSUMER_DEAD_LETTERS_EXPIRED',
    consumer,
    `${count} dead letter(s) asked back had their events removed by retention: removed unhandled`,
  );

/** Most events of this member's partitions counted for `metrics().lagEvents`. */
const LAG_CAP = 10_000;

/** What a member's heartbeat needs. @internal */
export interface HeartbeatContext {
  readonly pool: PgPoolLike;
  readonly sql: ConsumerSql;
  readonly consumer: string;
  readonly partitions: number;
  readonly group: Group;
  readonly counters: ConsumerCounters;
  readonly handle: ConsumerHandler;
  readonly log: LifecycleLog | undefined;
  readonly reads: (db: Session) => CommittedReads;
  /** Partitions were taken: the loop should read them. */
  readonly taken: (partitions: readonly number[]) => void;
  readonly fault: (error: ConsumerError) => void;
}

/**
 * A member's heartbeat, on connections of the pool apart from its loop's: says it is alive,
 * renews its leases, takes its share of partitions, measures its lag, and sends back the dead
 * letters asked back from the command line (in the background). Never two beats at once.
 * @internal
 */
export class Heartbeat {
  readonly #c: HeartbeatContext;
  readonly #db: ReturnType<typeof toExecutor>;
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;
  #answering: Promise<void> | undefined;
  /** Aborted by `stop()`: the replay in flight stops after the event it handles. */
  readonly #stopping = new AbortController();

  constructor(context: HeartbeatContext) {
    this.#c = context;
    this.#db = toExecutor(context.pool);
  }

  /** Beats once (its failure rejects), then every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    await this.#group();
    this.#timer = setInterval(() => void this.beat(), intervalMs);
    this.#timer.unref();
  }

  /**
   * Stops beating, and the replay in flight after the event it handles; resolves when both
   * ended, or `signal` aborts.
   */
  async stop(signal: AbortSignal): Promise<void> {
    this.#stopping.abort();
    clearInterval(this.#timer);
    await settledWithin(this.#beating, { signal });
    await settledWithin(this.#answering, { signal });
  }

  /** One beat; its faults are reported. */
  beat(): Promise<void> {
    this.#beating ??= this.#beatOnce().finally(() => {
      this.#beating = undefined;
    });
    return this.#beating;
  }

  async #beatOnce(): Promise<void> {
    if (this.#stopping.signal.aborted) return;
    try {
      await this.#group();
      await this.#measureLag();
      await this.#answerRequests();
    } catch (error) {
      const { consumer } = this.#c;
      this.#c.fault(
        new ConsumerError('CONSUMER_DATABASE', consumer, 'heartbeat failed', { cause: error }),
      );
    }
  }

  async #group(): Promise<void> {
    const taken = await this.#c.group.beat(this.#db);
    if (taken.length > 0) this.#c.taken(taken);
  }

  async #measureLag(): Promise<void> {
    const { counters, group } = this.#c;
    const owned = [...group.owned];
    if (owned.length === 0) {
      counters.lagEvents = 0;
      counters.lagMs = 0;
      return;
    }
    const reads = this.#c.reads(this.#db);
    const lowest = earliest(owned.map(([, at]) => at));
    const partitions = { count: this.#c.partitions, owned: owned.map(([p]) => p) };
    const lag = await reads.lagIn(lowest, await reads.mark(), partitions, LAG_CAP);
    counters.lagEvents = lag.events;
    counters.lagMs = lag.oldestMs === null ? 0 : Math.max(0, Date.now() - lag.oldestMs);
  }

  /**
   * Sends back the dead letters asked back (`eventrail dead-letters retry`), in the
   * background: one such run at a time per member.
   */
  async #answerRequests(): Promise<void> {
    if (this.#answering !== undefined) return;
    const { sql, consumer, pool, handle, log } = this.#c;
    const { rows } = await this.#db.query(sql.requestedKeys, [consumer]);
    if (rows.length === 0) return;
    this.#answering = replayDeadLetters(
      pool,
      sql,
      consumer,
      'requested',
      handle,
      this.#stopping.signal,
    )
      .then(
        (done) => {
          lifecycle(
            log,
            done.expired > 0 ? 'warn' : 'info',
            { consumer, ...done },
            'eventrail consumer replayed requested dead letters',
          );
          if (done.expired > 0) this.#c.fault(expiredLetters(consumer, done.expired));
        },
        (error: unknown) =>
          this.#c.fault(
            new ConsumerError(
              'CONSUMER_DATABASE',
              consumer,
              'replaying requested dead letters failed',
              {
                cause: error,
              },
            ),
          ),
      )
      .finally(() => {
        this.#answering = undefined;
      });
  }
}
