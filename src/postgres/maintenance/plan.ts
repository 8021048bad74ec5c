import type { PartitionRow } from '../sql/partitions.js';

/** A range partition to create: `[from, to)` in epoch milliseconds. @internal */
export interface NewPartition {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

/** What one maintenance run should change, decided from the catalog and the clock. @internal */
export interface PartitionPlan {
  /** Partitions to create, oldest first; each starts where the previous one ends. */
  readonly create: readonly NewPartition[];
  /** Partitions whose upper bound is at or before the retention cut: every row in them expired. */
  readonly drop: readonly string[];
  /** Rows created before this instant (epoch ms) are expired. */
  readonly cutoff: number;
}

/** The inputs of {@link planPartitions}, all in milliseconds. @internal */
export interface PlanInput {
  readonly now: number;
  readonly retentionMs: number;
  readonly widthMs: number;
  readonly premake: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * `event_logs_p20261129` for a partition starting at midnight UTC, `event_logs_p20261129_06`
 * for one starting at 06:00 UTC (widths are whole hours). @internal
 */
export function partitionName(from: number): string {
  const d = new Date(from);
  const day = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  const hour = d.getUTCHours();
  return `event_logs_p${day}${hour === 0 ? '' : `_${pad(hour)}`}`;
}

/** The start of the width-long slot holding `ms`, slots counted from the epoch (UTC). */
const slotStart = (ms: number, widthMs: number) => Math.floor(ms / widthMs) * widthMs;

/**
 * Decides which partitions to drop and create. A partition is dropped only when its upper bound
 * is at or before `now − retention`, so it cannot hold a younger row. New partitions continue
 * from the newest upper bound (or from the current slot when there is none, or from the
 * retention cut when the newest bound is older), up to `premake` slots past the current one.
 * The default partition is never dropped. @internal
 */
export function planPartitions(
  partitions: readonly PartitionRow[],
  input: PlanInput,
): PartitionPlan {
  const { now, retentionMs, widthMs, premake } = input;
  const cutoff = now - retentionMs;
  const ranges = partitions.filter((p) => !p.is_default);
  const drop = ranges.filter((p) => p.upper_ms !== null && p.upper_ms <= cutoff).map((p) => p.name);
  if (ranges.some((p) => p.upper_ms === null)) return { create: [], drop, cutoff };

  const end = slotStart(now, widthMs) + (premake + 1) * widthMs;
  const newest = Math.max(...ranges.map((p) => p.upper_ms as number));
  let from = Math.max(
    Number.isFinite(newest) ? newest : slotStart(now, widthMs),
    slotStart(cutoff, widthMs),
  );
  const create: NewPartition[] = [];
  while (from < end) {
    const to = slotStart(from, widthMs) + widthMs;
    create.push({ name: partitionName(from), from, to });
    from = to;
  }
  return { create, drop, cutoff };
}
