import type { Session } from '../driver/types.js';
import type { CommittedReads } from '../read/committed.js';
import type { ConsumerSql, PartitionRow } from '../sql/consumer.js';

/** Most events counted per partition by {@link ConsumerStats} (beyond it: at least this many). */
export const STATS_LAG_CAP = 100_000;

/** One partition of a consumer, as {@link Consumer.stats} reports it. */
export interface ConsumerPartitionStats {
  /** The partition's number, from 0. */
  readonly partition: number;
  /**
   * Where its checkpoint stands: a Postgres transaction id (xid8) as text, and the event id
   * (the nil UUID when it stands before a transaction's events).
   */
  readonly checkpoint: {
    /** The transaction id (xid8), as text. */
    readonly tx: string;
    /** The event id within it. */
    readonly id: string;
  };
  /** The member holding it now (its lease not expired), or null. */
  readonly owner: string | null;
  /** Events after its checkpoint committed and not yet handled (counted up to 100,000). */
  readonly lagEvents: number;
  /** Age of the oldest of them in milliseconds (0 when none). */
  readonly lagMs: number;
  /** When its checkpoint last moved (or its row was made), epoch ms. */
  readonly updatedAtMs: number;
}

/** A consumer's state in the database, from {@link Consumer.stats}. */
export interface ConsumerStats {
  /** Each partition: its checkpoint, owner and lag. */
  readonly partitions: readonly ConsumerPartitionStats[];
  /** Events parked in `dead_letters`. */
  readonly deadLetters: number;
  /** The sum of the partitions' `lagEvents`. */
  readonly lagEvents: number;
}

type Row = PartitionRow & { leasedBy: string | null; updatedMs: number };

/** The stats of `consumer` of `count` partitions, read with `reads`. @internal */
export async function consumerStats(
  db: Session,
  sql: ConsumerSql,
  reads: CommittedReads,
  consumer: string,
  count: number,
): Promise<ConsumerStats> {
  const { rows } = await db.query<Row>(sql.partitions, [consumer]);
  const upTo = await reads.mark();
  const now = Date.now();
  const partitions = await Promise.all(
    rows.map(async (row) => {
      const at = { tx: row.tx, id: row.id };
      const lag = await reads.lagIn(at, upTo, { count, owned: [row.partition] }, STATS_LAG_CAP);
      return {
        partition: row.partition,
        checkpoint: at,
        owner: row.leasedBy,
        lagEvents: lag.events,
        lagMs: lag.oldestMs === null ? 0 : Math.max(0, now - lag.oldestMs),
        updatedAtMs: Math.round(row.updatedMs),
      };
    }),
  );
  const dead = await db.query<{ n: number }>(sql.deadLetterCount, [consumer]);
  return {
    partitions,
    deadLetters: dead.rows[0]?.n ?? 0,
    lagEvents: partitions.reduce((sum, p) => sum + p.lagEvents, 0),
  };
}
