/**
 * A replication slot as the guardrails see it: read in one statement, with what it lags and
 * retains, and the refusal of a slot the server invalidated.
 */
import type { Session } from '../driver/types.js';
import { type SlotRow, slotSql } from '../sql/slots.js';
import { WalError } from './errors.js';

/**
 * `pg_replication_slots.wal_status`: `reserved` (within `max_wal_size`), `extended` (past it,
 * kept for the slot), `unreserved` (past `max_slot_wal_keep_size`: lost at the next checkpoint
 * unless read), `lost` (invalidated).
 */
export type SlotWalStatus = 'reserved' | 'extended' | 'unreserved' | 'lost';

/** What {@link slotStatus} reports of a replication slot. */
export interface SlotStatus {
  /** The slot's name. */
  readonly slot: string;
  /** Whether the slot exists on the server (every other field is null or false when not). */
  readonly exists: boolean;
  /** The database the slot decodes (a logical slot belongs to one database). */
  readonly database: string | null;
  /** The output plugin (`pgoutput` for eventrail's slots). */
  readonly plugin: string | null;
  /** Whether a reader (a walsender) holds the slot now. */
  readonly active: boolean;
  /** The process id of that walsender, when one holds it. */
  readonly activePid: number | null;
  /** The position up to which the reader confirmed (the relay confirms after its sinks did). */
  readonly confirmedFlushLsn: string | null;
  /** The oldest WAL position the slot needs: the server keeps the WAL from there on. */
  readonly restartLsn: string | null;
  /** Whether the server keeps the WAL the slot needs (see {@link SlotWalStatus}). */
  readonly walStatus: SlotWalStatus | null;
  /**
   * Why the server invalidated the slot, when it did: `invalidation_reason` on PostgreSQL 17
   * and later (`wal_removed`, `rows_removed`, `wal_level_insufficient`, `idle_timeout`), else
   * `wal_removed` for `wal_status = 'lost'` and `rows_removed` for `conflicting` (16).
   */
  readonly invalidationReason: string | null;
  /**
   * WAL written since the confirmed position, in bytes (the whole server's WAL: other
   * databases' writes count too, though only this database's events are in it).
   */
  readonly lagBytes: number | null;
  /** WAL the server keeps for the slot (from its restart position to now), in bytes. */
  readonly retainedBytes: number | null;
  /**
   * The lag Postgres measured for the slot's reader (`pg_stat_replication.flush_lag` of its
   * walsender), in seconds: for a logical slot, the time from the walsender decoding a commit to
   * the reader confirming it. Null when no one reads the slot, when nothing was measured yet,
   * and once the reader caught up and idles (Postgres clears the figure then). Postgres computes
   * it on each reply of the reader: a reader that hangs without closing its connection leaves
   * the last figure in place (see `replyAgeSeconds`). It does not count the time WAL waited for
   * a reader: `lagBytes` does.
   */
  readonly lagSeconds: number | null;
  /**
   * Seconds since the slot's reader last sent a status reply (the relay replies at least every
   * few seconds); null when no one reads the slot. A large figure is a reader that hangs.
   */
  readonly replyAgeSeconds: number | null;
  /** Whether it is a failover slot (PostgreSQL 17 and later; null before). */
  readonly failover: boolean | null;
}

/** `n` bytes for a person: `512 B`, `12.3 kB`, `1.5 MB`, `3.2 GB`. @internal */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Why the slot was invalidated, in any version's columns (see `invalidationReason`). */
function reasonOf(slot: Readonly<Record<string, unknown>>): string | null {
  const reason = text(slot.invalidation_reason);
  if (reason !== null) return reason;
  if (slot.wal_status === 'lost') return 'wal_removed';
  return slot.conflicting === true ? 'rows_removed' : null;
}

/** The status of `name` from its row (none: the slot does not exist). @internal */
export function statusOf(name: string, row: SlotRow | undefined): SlotStatus {
  const slot = row?.slot ?? {};
  return {
    slot: name,
    exists: row !== undefined,
    database: text(slot.database),
    plugin: text(slot.plugin),
    active: slot.active === true,
    activePid: typeof slot.active_pid === 'number' ? slot.active_pid : null,
    confirmedFlushLsn: text(slot.confirmed_flush_lsn),
    restartLsn: text(slot.restart_lsn),
    walStatus: text(slot.wal_status) as SlotWalStatus | null,
    invalidationReason: reasonOf(slot),
    lagBytes: row?.lagBytes ?? null,
    retainedBytes: row?.retainedBytes ?? null,
    lagSeconds: row?.lagSeconds ?? null,
    replyAgeSeconds: row?.replyAgeSeconds ?? null,
    failover: typeof slot.failover === 'boolean' ? slot.failover : null,
  };
}

/** Reads the slot `name` in one statement. @internal */
export async function readSlot(db: Session, name: string): Promise<SlotStatus> {
  const { rows } = await db.query<SlotRow>(slotSql.status, [name]);
  return statusOf(name, rows[0]);
}

/**
 * The refusal of a slot the server invalidated, saying what the operator does; undefined for a
 * slot that is usable (or missing). @internal
 */
export function invalidated(status: SlotStatus): WalError | undefined {
  if (status.invalidationReason === null) return undefined;
  const { slot, invalidationReason, confirmedFlushLsn } = status;
  const after = confirmedFlushLsn === null ? '' : ` after ${confirmedFlushLsn}`;
  return new WalError(
    'WAL_SLOT_INVALIDATED',
    `replication slot "${slot}" was invalidated by the server (${invalidationReason}${status.walStatus === 'lost' ? ', wal_status = lost' : ''}): ` +
      `events committed${after} and not relayed may be gone from the WAL, and eventrail will not recreate the slot past them. ` +
      `Publish them again from event_logs (npx eventrail replay --from <the time of the last relayed event> --to <broker URL>), ` +
      `then drop and create the slot (npx eventrail slot drop --slot ${slot}; npx eventrail slot create --slot ${slot}); ` +
      `see "Operating the slot" in docs/wal.md`,
  );
}
