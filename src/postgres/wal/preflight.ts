/**
 * What the WAL transport checks before it starts: a server with `wal_level = logical`, a role
 * that may replicate, a slot the server has not invalidated; and what it warns about (WAL kept
 * without limit for a slot no one reads, a slot about to be invalidated).
 */
import { toExecutor } from '../driver/executor.js';
import type { Session } from '../driver/types.js';
import { slotSql } from '../sql/slots.js';
import { WalError } from './errors.js';
import { type WalServerCheckOptions, walServerCheckOptions } from './slot-options.js';
import { formatBytes, invalidated, readSlot, type SlotStatus } from './slot-status.js';

/** What a {@link WalWarning} is about. */
export type WalWarningCode =
  /** `max_slot_wal_keep_size = -1`: a slot no one reads keeps WAL until the disk fills. */
  | 'WAL_KEEP_UNLIMITED'
  /** The slot's `wal_status` is `unreserved`: the next checkpoint invalidates it unless it is read. */
  | 'WAL_SLOT_UNRESERVED';

/** Something the WAL transport can run with, but an operator should know. */
export interface WalWarning {
  /** What it is about. */
  readonly code: WalWarningCode;
  /** What was found and what to do, in one sentence. */
  readonly message: string;
}

/** The server as the WAL transport needs it. @internal */
export interface WalServer {
  readonly walLevel: string;
  readonly versionNum: number;
  readonly database: string;
  readonly role: string;
  readonly replication: boolean;
  readonly superuser: boolean;
  /** `max_slot_wal_keep_size` in MB; -1 for unlimited. */
  readonly keepSizeMb: number;
}

/** What {@link checkWalServer} found on a server fit for the WAL transport. */
export interface WalServerReport {
  /** `server_version_num`, e.g. 150004. */
  readonly versionNum: number;
  /** The role the checks ran as. */
  readonly role: string;
  /** `max_slot_wal_keep_size` in bytes; null when unlimited (-1). */
  readonly maxSlotWalKeepSizeBytes: number | null;
  /** The slot's status, when a slot was named. */
  readonly slot: SlotStatus | undefined;
  /** What it runs with but an operator should know (empty when nothing). */
  readonly warnings: readonly WalWarning[];
}

/** Reads the server's settings and the role's attributes. @internal */
export async function readWalServer(db: Session): Promise<WalServer> {
  const { rows } = await db.query<WalServer>(slotSql.server);
  return rows[0] as WalServer;
}

/** The refusal of a server or role unfit for the WAL transport, if it is. @internal */
export function serverRefusal(server: WalServer): WalError | undefined {
  if (server.walLevel !== 'logical') {
    return new WalError(
      'WAL_LEVEL',
      `wal_level is ${server.walLevel}; the WAL transport needs wal_level = logical (set it in postgresql.conf or with ALTER SYSTEM, then restart the server)`,
    );
  }
  if (!server.replication && !server.superuser) {
    return new WalError(
      'WAL_PRIVILEGE',
      `role "${server.role}" lacks REPLICATION; the WAL transport reads a replication slot (ALTER ROLE "${server.role}" REPLICATION, or connect as a role that has it)`,
    );
  }
  return undefined;
}

/** The warnings of a fit server and, when named, its slot. @internal */
export function serverWarnings(server: WalServer, slot?: SlotStatus): WalWarning[] {
  const warnings: WalWarning[] = [];
  if (server.keepSizeMb < 0) {
    warnings.push({
      code: 'WAL_KEEP_UNLIMITED',
      message:
        'max_slot_wal_keep_size = -1 (unlimited): a slot no one reads keeps WAL until the disk fills; set a limit the disk can hold (a slot past it is invalidated, and events it had not relayed are replayed from event_logs)',
    });
  }
  if (slot?.walStatus === 'unreserved') {
    warnings.push({
      code: 'WAL_SLOT_UNRESERVED',
      message: `replication slot "${slot.slot}" retains ${formatBytes(slot.retainedBytes ?? 0)}, past max_slot_wal_keep_size: the next checkpoint invalidates it unless its relay catches up now`,
    });
  }
  return warnings;
}

/**
 * Checks that the server and role can run the WAL transport, and that the slot (when named) was
 * not invalidated; resolves with what an operator should know. Rejects with a {@link WalError}:
 * `WAL_LEVEL` when `wal_level` is not `logical` (naming the setting and its value),
 * `WAL_PRIVILEGE` when the role has neither `REPLICATION` nor superuser, `WAL_SLOT_INVALIDATED`
 * when the server invalidated the slot (saying what the operator does). Throws a
 * `ValidationError` for bad options.
 *
 * @example
 * ```ts
 * const { warnings } = await checkWalServer({ db: pool, slot: 'eventrail' });
 * for (const w of warnings) log.warn(w.message);
 * ```
 */
export async function checkWalServer(options: WalServerCheckOptions): Promise<WalServerReport> {
  const { db, slot } = walServerCheckOptions.resolve(options);
  const session = toExecutor(db);
  const server = await readWalServer(session);
  const refused = serverRefusal(server);
  if (refused) throw refused;
  const status = slot === undefined ? undefined : await readSlot(session, slot);
  const lost = status && invalidated(status);
  if (lost) throw lost;
  return {
    versionNum: server.versionNum,
    role: server.role,
    maxSlotWalKeepSizeBytes: server.keepSizeMb < 0 ? null : server.keepSizeMb * 1024 * 1024,
    slot: status,
    warnings: serverWarnings(server, status),
  };
}
