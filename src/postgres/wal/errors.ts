import { describe, EventrailError } from '../../errors.js';

/** What a {@link WalError} is about. */
export type WalErrorCode =
  /** The server runs with `wal_level` other than `logical` (the message names the setting and its value). */
  | 'WAL_LEVEL'
  /** The role may not open a replication connection: it lacks `REPLICATION` (and is not a superuser). */
  | 'WAL_PRIVILEGE'
  /** The replication slot does not exist (and was not to be created). */
  | 'WAL_SLOT_MISSING'
  /**
   * Another connection reads the replication slot (Postgres lets one walsender hold a slot at a
   * time): a second relay on the slot stands by until it is free.
   */
  | 'WAL_SLOT_IN_USE'
  /**
   * The slot was invalidated by the server (`wal_status = 'lost'`, e.g. past
   * `max_slot_wal_keep_size`): events it had not confirmed may be gone from the WAL. Never
   * recreated silently; see the WAL transport guide for what the operator does.
   */
  | 'WAL_SLOT_INVALIDATED'
  /** The replication connection failed or the server sent what the decoder does not understand. */
  | 'WAL_REPLICATION'
  /** A sink (or `publish`) refused a batch relayed from the WAL; it is delivered again. */
  | 'WAL_DELIVERY';

/**
 * A fault of the WAL transport: thrown by the checks made before anything starts (a server not
 * `logical`, a role without `REPLICATION`, a missing or invalidated slot), emitted as the `error`
 * event of the parts that run in the background. The driver's error, if any, is the `cause`.
 */
export class WalError extends EventrailError {
  declare readonly code: WalErrorCode;

  constructor(code: WalErrorCode, message: string, cause?: unknown) {
    super(code, cause === undefined ? message : `${message}: ${describe(cause)}`, { cause });
  }
}
