/**
 * The checks of `eventrail doctor` on eventrail's tables: migrations applied and current,
 * partitions made ahead, what retention removed.
 */
import { loadMigrations } from '../../postgres/migrate/files.js';
import { migrationSql } from '../../postgres/sql/migrations.js';
import {
  DEFAULT_PARTITION,
  type PartitionRow,
  partitionSql,
} from '../../postgres/sql/partitions.js';
import type { DoctorContext } from './context.js';
import { type CheckResult, duration } from './report.js';

/** Rows of the default partition counted at most. */
const DEFAULT_ROWS_CAP = 100_000;

const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** Migrations applied, compared with the migration files of this package. */
export async function migrations(ctx: DoctorContext): Promise<CheckResult> {
  const check = 'migrations';
  const shipped = loadMigrations(ctx.names.schema);
  const { rows: found } = await ctx.db.query<{ exists: boolean }>(ctx.sql.exists, [
    ctx.names.migrations,
  ]);
  const fix = `run \`${ctx.command('migrate')}\``;
  if (!found[0]?.exists) {
    return {
      check,
      status: 'fail',
      summary: `none applied: schema ${ctx.names.schema} has no eventrail tables`,
      fix,
    };
  }
  const { rows } = await ctx.db.query<{ name: string; hash: string }>(
    migrationSql(ctx.names).applied,
  );
  const applied = new Map(rows.map((r) => [r.name, r.hash]));
  const changed = shipped.filter((m) => applied.has(m.name) && applied.get(m.name) !== m.hash);
  const missing = shipped.filter((m) => !applied.has(m.name));
  const unknown = rows.filter((r) => !shipped.some((m) => m.name === r.name)).map((r) => r.name);
  if (changed.length > 0) {
    return {
      check,
      status: 'fail',
      summary: `applied from other files than this version ships: ${changed.map((m) => m.name).join(', ')}`,
      fix: 'run the eventrail version that migrated this database, or restore its migration files; migrate refuses to go on',
    };
  }
  if (missing.length > 0) {
    return {
      check,
      status: 'fail',
      summary: `${applied.size} of ${shipped.length} applied; missing: ${missing.map((m) => m.name).join(', ')}`,
      fix,
    };
  }
  if (unknown.length > 0) {
    return {
      check,
      status: 'warn',
      summary: `all ${shipped.length} applied, and ${unknown.join(', ')}, which this version does not know`,
      fix: 'a newer eventrail migrated this database: run that version here too',
    };
  }
  return {
    check,
    status: 'pass',
    summary: `all ${shipped.length} applied, the latest ${shipped.at(-1)?.name ?? 'none'}`,
  };
}

/** The range partitions of event_logs: one holds now, and they reach far enough ahead. */
export async function partitions(ctx: DoctorContext): Promise<CheckResult> {
  const check = 'partitions';
  const fix = `run \`${ctx.command('maintain')}\`, and keep it running: a MaintenanceTimer in the application, or the command from cron`;
  const { rows } = await ctx.db.query<PartitionRow>(partitionSql(ctx.names).list);
  const ranges = rows.filter((p) => !p.is_default && p.upper_ms !== null);
  const { rows: counted } = await ctx.db.query<{ n: number }>(ctx.sql.defaultRows, [
    DEFAULT_ROWS_CAP,
  ]);
  const inDefault = counted[0]?.n ?? 0;
  const strays =
    inDefault === 0
      ? ''
      : `; ${inDefault === DEFAULT_ROWS_CAP ? 'at least ' : ''}${inDefault} row(s) in ${DEFAULT_PARTITION} (maintain moves them into partitions)`;
  const now = Date.now();
  const holding = ranges.some((p) => (p.lower_ms ?? -Infinity) <= now && now < (p.upper_ms ?? 0));
  if (!holding) {
    return {
      check,
      status: 'fail',
      summary: `no partition of event_logs holds now (${ranges.length} made): new rows land in ${DEFAULT_PARTITION}${strays}`,
      fix,
    };
  }
  const through = Math.max(...ranges.map((p) => p.upper_ms as number));
  const ahead = through - now;
  const summary = `${ranges.length} partitions, made through ${day(through)} UTC (${duration(ahead)} ahead)${strays}`;
  if (ahead < ctx.thresholds.partitionsAheadMs || inDefault > 0) {
    return { check, status: 'warn', summary, fix };
  }
  return { check, status: 'pass', summary };
}

/**
 * What retention removed, as `maintain` records it (retention_horizon: the last run that
 * removed something); a run that removed nothing leaves no trace but the partitions it made.
 */
export async function retention(ctx: DoctorContext): Promise<CheckResult> {
  const { rows } = await ctx.db.query<{ expiredBefore: Date; updatedAt: Date }>(ctx.sql.horizon);
  const { rows: parts } = await ctx.db.query<PartitionRow>(partitionSql(ctx.names).list);
  const oldest = Math.min(...parts.map((p) => p.lower_ms ?? Infinity));
  const kept = Number.isFinite(oldest) ? `; the oldest partition starts ${day(oldest)} UTC` : '';
  const horizon = rows[0];
  return {
    check: 'retention',
    status: 'info',
    summary:
      horizon === undefined
        ? `maintain has removed nothing yet${kept}`
        : `events created before ${day(horizon.expiredBefore.getTime())} UTC removed; the last removal ${duration(Date.now() - horizon.updatedAt.getTime())} ago${kept}`,
  };
}
