/**
 * The WAL transport's replication slot, administered: its status (lag, retained WAL,
 * invalidation), creating it with its publication (idempotent), dropping it.
 */
import { toExecutor } from '../driver/executor.js';
import type { Session } from '../driver/types.js';
import { slotSql } from '../sql/slots.js';
import { WalError } from './errors.js';
import { readWalServer, serverRefusal, serverWarnings, type WalWarning } from './preflight.js';
import {
  type CreateSlotOptions,
  createSlotOptions,
  type DropSlotOptions,
  dropSlotOptions,
  type SlotOptions,
  slotOptions,
} from './slot-options.js';
import { invalidated, readSlot, type SlotStatus } from './slot-status.js';

/** SQLSTATE of an object that exists already (a slot or publication made meanwhile). */
const DUPLICATE_OBJECT = '42710';
/** SQLSTATE of an object that does not exist (a slot dropped meanwhile). */
const UNDEFINED_OBJECT = '42704';
/** SQLSTATE of an object in use (a slot a reader took meanwhile). */
const OBJECT_IN_USE = '55006';
/** The first version with failover slots. */
const FAILOVER_VERSION = 170000;

const codeOf = (error: unknown) => (error as { code?: unknown } | null)?.code;

/** Runs `statement`; false when it found its object made already by someone else. */
async function unlessDuplicate(db: Session, statement: string, params: unknown[] = []) {
  try {
    await db.query(statement, params);
    return true;
  } catch (error) {
    if (codeOf(error) === DUPLICATE_OBJECT) return false;
    throw error;
  }
}

/** The refusal of a slot of another database or plugin than the WAL transport's. */
/** Refuses a slot made for another use (plugin or database). @internal */
export function foreign(status: SlotStatus, database: string): WalError | undefined {
  if (status.plugin === 'pgoutput' && status.database === database) return undefined;
  return new WalError(
    'WAL_SLOT_MISSING',
    `replication slot "${status.slot}" exists for another use (plugin ${status.plugin ?? 'none'}, database ${status.database ?? 'none'}); the WAL transport needs a pgoutput slot of database ${database}: name another slot`,
  );
}

/**
 * The status of a replication slot in one statement: whether it exists and is read, its
 * positions, the WAL it lags and retains, and whether the server invalidated it (see
 * {@link SlotStatus}). Never throws for a missing or invalidated slot: it reports it. Throws a
 * `ValidationError` for bad options.
 */
export async function slotStatus(options: SlotOptions): Promise<SlotStatus> {
  const { db, slot } = slotOptions.resolve(options);
  return readSlot(toExecutor(db), slot);
}

/** What {@link createSlot} did. */
export interface CreatedSlot {
  /** False when the slot existed already (nothing was changed). */
  readonly created: boolean;
  /** The publication's name. */
  readonly publication: string;
  /** False when the publication existed already. */
  readonly publicationCreated: boolean;
  /** The slot as it is now. */
  readonly status: SlotStatus;
  /** What an operator should know of the server and slot (see `checkWalServer`). */
  readonly warnings: readonly WalWarning[];
}

/**
 * Creates the replication slot (pgoutput) and its publication, each unless it exists: the
 * publication first, so that the slot never decodes a change from before it. Idempotent; two
 * callers at once make one slot. Creating a logical slot waits for the transactions open at that
 * moment to end. Rejects with a {@link WalError}: those of `checkWalServer` (`WAL_LEVEL`,
 * `WAL_PRIVILEGE`), `WAL_SLOT_INVALIDATED` for a slot the server invalidated (it is never
 * recreated silently: see the guide), `WAL_SLOT_MISSING` when a slot of that name exists for
 * another database or plugin, `WAL_UNSUPPORTED` for `failover` before PostgreSQL 17.
 */
export async function createSlot(options: CreateSlotOptions): Promise<CreatedSlot> {
  const resolved = createSlotOptions.resolve(options);
  const { db, slot, failover } = resolved;
  const publication = resolved.publication ?? slot;
  const session = toExecutor(db);
  const server = await readWalServer(session);
  const refused = serverRefusal(server);
  if (refused) throw refused;
  if (failover && server.versionNum < FAILOVER_VERSION) {
    throw new WalError(
      'WAL_UNSUPPORTED',
      `failover slots need PostgreSQL 17 or later (this server is ${server.versionNum}); before 17, a slot is lost on failover`,
    );
  }
  const before = await readSlot(session, slot);
  const unfit =
    invalidated(before) ?? (before.exists ? foreign(before, server.database) : undefined);
  if (unfit) throw unfit;
  const { rows } = await session.query<{ exists: boolean }>(slotSql.publicationExists, [
    publication,
  ]);
  const publicationCreated =
    rows[0]?.exists !== true &&
    (await unlessDuplicate(session, slotSql.createPublication(publication)));
  const created =
    !before.exists &&
    (await unlessDuplicate(session, failover ? slotSql.createFailover : slotSql.create, [slot]));
  const status = await readSlot(session, slot);
  // Made meanwhile by someone else, for another use.
  const taken = foreign(status, server.database);
  if (taken) throw taken;
  return {
    created,
    publication,
    publicationCreated,
    status,
    warnings: serverWarnings(server, status),
  };
}

/** What {@link dropSlot} did. */
export interface DroppedSlot {
  /** False when there was no such slot. */
  readonly dropped: boolean;
  /** The process id of the reader ended first (`force`), if one held the slot. */
  readonly terminatedPid: number | null;
}

/** Waits until no reader holds the slot, up to `timeoutMs`; false when one still does. */
async function released(db: Session, slot: string, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!(await readSlot(db, slot)).active) return true;
    if (performance.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Drops the replication slot (its publication stays: it retains nothing), unless it is missing.
 * The server then keeps no WAL for it; events not yet relayed from it are no longer in reach of
 * the relay. Rejects with a {@link WalError} `WAL_SLOT_IN_USE` when a reader holds the slot and
 * `force` is not set, or when the reader ended with `force` still holds it after `timeoutMs`.
 */
export async function dropSlot(options: DropSlotOptions): Promise<DroppedSlot> {
  const { db, slot, force, timeoutMs } = dropSlotOptions.resolve(options);
  const session = toExecutor(db);
  const status = await readSlot(session, slot);
  if (!status.exists) return { dropped: false, terminatedPid: null };
  const held = (pid: number | null, hint: string) =>
    new WalError(
      'WAL_SLOT_IN_USE',
      `replication slot "${slot}" is read by process ${pid ?? '(unknown)'}; ${hint}`,
    );
  if (status.active) {
    if (!force) throw held(status.activePid, 'stop its relay first, or drop it with force');
    await session.query(slotSql.terminateReader, [slot]);
    if (!(await released(session, slot, timeoutMs))) {
      throw held(status.activePid, `it still held the slot ${timeoutMs} ms after being ended`);
    }
  }
  try {
    await session.query(slotSql.drop, [slot]);
  } catch (error) {
    if (codeOf(error) === UNDEFINED_OBJECT) return { dropped: false, terminatedPid: null };
    if (codeOf(error) === OBJECT_IN_USE) throw held(null, 'a reader took it meanwhile');
    throw error;
  }
  return { dropped: true, terminatedPid: status.active ? status.activePid : null };
}
