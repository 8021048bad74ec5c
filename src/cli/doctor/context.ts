/** What every check of `eventrail doctor` gets: the database, the names, the thresholds. */
import type { Session } from '../../postgres/driver/types.js';
import type { doctorSql } from '../../postgres/sql/doctor.js';
import type { TableNames } from '../../postgres/sql/names.js';

/** The limits past which a check warns, in milliseconds (flags of the command). */
export interface Thresholds {
  /** `--outbox-age`: the oldest pending outbox row may be this old. */
  readonly outboxAgeMs: number;
  /** `--transaction-age`: a transaction may hold the stream's mark this long. */
  readonly transactionAgeMs: number;
  /** `--partitions-ahead`: partitions must exist at least this far past now. */
  readonly partitionsAheadMs: number;
  /** `--notify-timeout`: how long a NOTIFY may take to come back. */
  readonly notifyTimeoutMs: number;
}

/** Which replication slots the `wal slots` check looks at, and how much an idle one may retain. */
export interface SlotLimits {
  /** `--slot`: slots to check besides those named `eventrail…`. */
  readonly names: readonly string[];
  /** `--slot-retained`: the WAL, in bytes, a slot no relay reads may keep. */
  readonly retainedBytes: number;
}

/** A second connection that listens on a channel; `close` ends it. */
export interface Listening {
  close(): Promise<void>;
}

export interface DoctorContext {
  readonly db: Session;
  readonly names: TableNames;
  readonly sql: ReturnType<typeof doctorSql>;
  readonly thresholds: Thresholds;
  readonly slots: SlotLimits;
  /** The command line that runs eventrail's `command` on the same database and schema. */
  command(command: 'migrate' | 'maintain'): string;
  /** Opens a second connection that calls `heard` on a NOTIFY to `channel`. */
  listen(channel: string, heard: () => void): Promise<Listening>;
}
