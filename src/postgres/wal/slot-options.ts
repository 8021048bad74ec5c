/**
 * The options of the WAL transport's guardrails: `checkWalServer`, `slotStatus`, `createSlot`,
 * `dropSlot`.
 */
import { defineOptions } from '../../options/schema.js';
import { boolean, integer } from '../../options/spec.js';
import { dbSpec } from '../driver/executor.js';
import type { PgDatabase } from '../driver/types.js';
import { slotSpec } from './replication.js';

/** The replication slot the WAL transport's relay reads when none is named. */
export const DEFAULT_SLOT = 'eventrail_outbox';

// Publication names are held to the slot names' rule: they are spliced into DDL, quoted.
const slotSpecs = { db: dbSpec(), slot: slotSpec().default(DEFAULT_SLOT) };

/** Options of `slotStatus`, and the base of the others. */
export interface SlotOptions {
  /** A `pg` Pool or Client (or a drizzle database on one), on the slot's database; never closed. */
  readonly db: PgDatabase;
  /**
   * The replication slot (slot names are per server, not per database).
   * @default 'eventrail_outbox' (the relay's)
   */
  readonly slot?: string;
}

/** Options of `checkWalServer`. */
export interface WalServerCheckOptions {
  /** A `pg` Pool or Client (or a drizzle database on one); never closed. */
  readonly db: PgDatabase;
  /**
   * A replication slot to check too: refused when the server invalidated it, warned about when it
   * is close to that. A slot that does not exist is not refused (`createSlot` makes it).
   * @default none (the server and the role only)
   */
  readonly slot?: string;
}

/** Options of `createSlot`. */
export interface CreateSlotOptions extends SlotOptions {
  /**
   * The publication the slot is read with (pgoutput needs one), created empty when missing:
   * emitted messages need no table in it. The relay asks for the one named as its slot.
   * @default the slot's name
   */
  readonly publication?: string;
  /**
   * Creates a failover slot (PostgreSQL 17 and later), which a standby with
   * `sync_replication_slots = on` keeps in step, so that it survives a failover. Refused on an
   * older server, where slots are lost on failover.
   * @default false
   */
  readonly failover?: boolean;
}

/** Options of `dropSlot`. */
export interface DropSlotOptions extends SlotOptions {
  /**
   * Drops a slot that a reader holds now: its walsender is ended first. Without it, an active
   * slot is refused with a `WalError` `WAL_SLOT_IN_USE`.
   * @default false
   */
  readonly force?: boolean;
  /** With `force`, how long to wait for the ended reader to let go of the slot, in milliseconds. @default 10000 */
  readonly timeoutMs?: number;
}

/** @internal */
export const slotOptions = defineOptions<SlotOptions>()('SlotOptions', slotSpecs);

/** @internal */
export const walServerCheckOptions = defineOptions<WalServerCheckOptions>()(
  'WalServerCheckOptions',
  { db: dbSpec(), slot: slotSpec().optional() },
);

/** @internal */
export const createSlotOptions = defineOptions<CreateSlotOptions>()('CreateSlotOptions', {
  ...slotSpecs,
  publication: slotSpec().optional("the slot's name"),
  failover: boolean().default(false),
});

/** @internal */
export const dropSlotOptions = defineOptions<DropSlotOptions>()('DropSlotOptions', {
  ...slotSpecs,
  force: boolean().default(false),
  timeoutMs: integer({ min: 1 }).default(10_000),
});
