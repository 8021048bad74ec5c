/**
 * The check of `eventrail doctor` on the WAL transport's replication slots: a slot the server
 * invalidated fails, one that no relay reads while it keeps more WAL than allowed warns.
 */
import { type SlotRow, slotSql } from '../../postgres/sql/slots.js';
import { readWalServer } from '../../postgres/wal/preflight.js';
import {
  formatBytes,
  invalidated,
  type SlotStatus,
  statusOf,
} from '../../postgres/wal/slot-status.js';
import type { DoctorContext } from './context.js';
import type { CheckResult } from './report.js';

/** The prefix of the slots the check finds without being told (the default slot is `eventrail`). */
const SLOT_PREFIX = 'eventrail';

function summaryOf(s: SlotStatus): string {
  const reader = s.active ? `read by process ${s.activePid}` : 'no relay reads it';
  const size = (n: number | null) => (n === null ? 'unknown' : formatBytes(n));
  return `${s.slot}: ${reader}, lag ${size(s.lagBytes)}, retains ${size(s.retainedBytes)}, wal_status ${s.walStatus ?? 'unknown'}`;
}

/** The logical slots of this database named `eventrail…` or given with `--slot`. */
export async function walSlots(ctx: DoctorContext): Promise<CheckResult> {
  const check = 'wal slots';
  const { rows } = await ctx.db.query<SlotRow>(slotSql.ofDatabase, [SLOT_PREFIX, ctx.slots.names]);
  const found = rows.map((row) => statusOf(String(row.slot.slot_name), row));
  const missing = ctx.slots.names.filter((name) => !found.some((s) => s.slot === name));
  const server = await readWalServer(ctx.db);
  const unlimited = server.keepSizeMb < 0 ? '; max_slot_wal_keep_size is unlimited' : '';
  const parts = [
    ...found.map(summaryOf),
    ...missing.map((name) => `${name}: no such slot in this database`),
  ];
  if (parts.length === 0) {
    return { check, status: 'pass', summary: `no ${SLOT_PREFIX} replication slot` };
  }
  const summary = `${parts.join('; ')}${unlimited}`;
  const lost = found.map(invalidated).find((e) => e !== undefined);
  if (lost) return { check, status: 'fail', summary, fix: lost.message };
  const idle = found.filter((s) => !s.active && (s.retainedBytes ?? 0) > ctx.slots.retainedBytes);
  const unreserved = found.filter((s) => s.walStatus === 'unreserved');
  if (idle.length === 0 && unreserved.length === 0 && missing.length === 0) {
    return { check, status: 'pass', summary };
  }
  const limit = formatBytes(ctx.slots.retainedBytes);
  const fixes = [
    ...(idle.length + unreserved.length > 0
      ? [
          `start the relay of ${[...new Set([...idle, ...unreserved].map((s) => s.slot))].join(', ')} (the server keeps its WAL until it reads, past ${limit} here), or drop a slot no longer used (\`npx eventrail slot drop --slot NAME\`); a limit (max_slot_wal_keep_size) keeps the disk from filling, at the cost of invalidating a slot left behind`,
        ]
      : []),
    ...missing.map((name) => `create ${name} with \`npx eventrail slot create --slot ${name}\``),
  ];
  return { check, status: 'warn', summary, fix: fixes.join('; ') };
}
