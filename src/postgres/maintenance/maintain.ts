import { type LifecycleLog, lifecycle } from '../../lifecycle/log.js';
import { deleteInChunks } from '../driver/chunks.js';
import { inTransaction, toExecutor } from '../driver/executor.js';
import type { Executor, Session } from '../driver/types.js';
import { comparePositions, type StreamPosition } from '../read/position.js';
import { rollupRetention } from '../rollups/retention.js';
import { horizonSql } from '../sql/horizon.js';
import { inboxSql } from '../sql/inbox.js';
import { type TableNames, tableNames } from '../sql/names.js';
import { outboxSql } from '../sql/outbox.js';
import {
  DEFAULT_PARTITION,
  type PartitionRow,
  type PartitionSql,
  partitionSql,
} from '../sql/partitions.js';
import { type MaintainOptions, maintainOptions, type ResolvedMaintainOptions } from './options.js';
import { type NewPartition, planPartitions } from './plan.js';

/** What one {@link maintain} call did. */
export interface MaintenanceResult {
  /**
   * False when another caller (another instance, another process) held the maintenance lock at
   * that moment: it is doing the work, and this call changed nothing.
   */
  readonly ran: boolean;
  /** Partitions created, oldest first. */
  readonly created: readonly string[];
  /** Partitions detached and dropped: every row in them was older than the retention window. */
  readonly dropped: readonly string[];
  /** Rows moved from the default partition into the partitions just created. */
  readonly rowsMoved: number;
  /** Rows of the default partition deleted because they were older than the retention window. */
  readonly defaultRowsExpired: number;
  /** Published outbox rows deleted (older than `outboxRetentionMs`). */
  readonly outboxRowsPurged: number;
  /** Consumer inbox records deleted (older than `inboxRetentionMs`). */
  readonly inboxRowsPurged: number;
  /**
   * Partitions left for the next run because a lock was not granted within `lockTimeoutMs`
   * (a long query on `event_logs` held it).
   */
  readonly deferred: readonly string[];
  /** How long the call took, in milliseconds. */
  readonly durationMs: number;
}

/** SQLSTATE of a lock not granted within `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';

interface Run {
  readonly session: Session;
  readonly names: TableNames;
  readonly sql: PartitionSql;
  readonly options: ResolvedMaintainOptions;
  readonly deferred: string[];
}

/**
 * Keeps `event_logs` partitioned ahead and within its retention window, and the outbox free of
 * old published rows: creates the partitions up to `premake` past the present one (moving into
 * each the rows the default partition holds for its range), detaches and drops every partition
 * whose upper bound is older than `retentionMs`, deletes the default partition's expired rows,
 * purges published outbox rows older than `outboxRetentionMs` and, when `inboxRetentionMs` is
 * set, consumer inbox records older than it.
 *
 * Safe to call from every instance at once: a session-level advisory lock lets one do the work
 * while the others return `{ ran: false }` at once. Idempotent: a second call finds nothing to do.
 * Each partition is changed in its own short transaction. Bad options reject with a
 * `ValidationError` before the database is touched. For a run every hour, see
 * `MaintenanceTimer`.
 */
export async function maintain(options: MaintainOptions): Promise<MaintenanceResult> {
  const { db, ...resolved } = maintainOptions.resolve(options);
  return runMaintenance(toExecutor(db), resolved);
}

/** {@link maintain} with resolved options; logs what it did, or its failure. @internal */
export async function runMaintenance(
  executor: Executor,
  options: ResolvedMaintainOptions,
): Promise<MaintenanceResult> {
  const { log, schema } = options;
  try {
    const result = await maintainOnce(executor, options);
    logRun(log, schema, result);
    return result;
  } catch (error) {
    lifecycle(log, 'error', { schema, err: error }, 'eventrail maintenance failed');
    throw error;
  }
}

/** Says what a run did: `info` when it changed something, `debug` when not, `warn` for deferrals. */
function logRun(log: LifecycleLog | undefined, schema: string, result: MaintenanceResult): void {
  const { ran, created, dropped, deferred, ...counts } = result;
  if (!ran) {
    lifecycle(
      log,
      'debug',
      { schema },
      'eventrail maintenance skipped: another caller holds the lock',
    );
    return;
  }
  const rows =
    counts.rowsMoved + counts.defaultRowsExpired + counts.outboxRowsPurged + counts.inboxRowsPurged;
  const changed = created.length + dropped.length + rows > 0;
  const details = { schema, created, dropped, deferred, ...counts };
  lifecycle(log, changed ? 'info' : 'debug', details, 'eventrail maintenance done');
  if (deferred.length > 0) {
    lifecycle(log, 'warn', { schema, deferred }, 'eventrail maintenance deferred: a lock was busy');
  }
}

async function maintainOnce(
  executor: Executor,
  options: ResolvedMaintainOptions,
): Promise<MaintenanceResult> {
  const started = performance.now();
  const names = tableNames(options.schema);
  const sql = partitionSql(names);
  return executor.withSession(async (session) => {
    const lock = await session.query<{ locked: boolean }>(sql.tryLock, [names.schema]);
    if (!lock.rows[0]?.locked) return { ...nothingDone(), durationMs: performance.now() - started };
    try {
      const run: Run = { session, names, sql, options, deferred: [] };
      const now = (options.now ?? new Date()).getTime();
      const partitions = await session.query<PartitionRow>(sql.list);
      const plan = planPartitions(partitions.rows, {
        now,
        retentionMs: options.retentionMs,
        widthMs: options.partitionWidthMs,
        premake: options.premake,
      });
      const created: string[] = [];
      let rowsMoved = 0;
      for (const partition of plan.create) {
        const moved = await createPartition(run, partition);
        if (moved === null) break; // the next ones wait, so that no gap opens between ranges
        created.push(partition.name);
        rowsMoved += moved;
      }
      const uppers = new Map(partitions.rows.map((p) => [p.name, p.upper_ms ?? 0]));
      const dropped =
        plan.drop.length > 0 && (await dropPartitions(run, plan.drop, uppers)) ? plan.drop : [];
      const expired = await expireDefault(run, plan.cutoff);
      const { outboxRetentionMs, inboxRetentionMs } = options;
      return {
        ran: true,
        created,
        dropped,
        rowsMoved,
        defaultRowsExpired: expired,
        outboxRowsPurged: await purge(run, outboxSql(names).purge, now, outboxRetentionMs),
        inboxRowsPurged: await purge(run, inboxSql(names).purgeAll, now, inboxRetentionMs),
        deferred: run.deferred,
        durationMs: performance.now() - started,
      };
    } finally {
      await session.query(sql.unlock, [names.schema]);
    }
  });
}

function nothingDone(): Omit<MaintenanceResult, 'durationMs'> {
  return {
    ran: false,
    created: [],
    dropped: [],
    rowsMoved: 0,
    defaultRowsExpired: 0,
    outboxRowsPurged: 0,
    inboxRowsPurged: 0,
    deferred: [],
  };
}

/**
 * Runs one partition's change in a transaction with `lock_timeout`; a lock not granted in time
 * defers it to the next run (returns null), any other error is thrown.
 */
async function withLockTimeout<T>(
  run: Run,
  names: string | readonly string[],
  work: () => Promise<T>,
) {
  try {
    return await inTransaction(run.session, async () => {
      await run.session.query(run.sql.lockTimeout(run.options.lockTimeoutMs));
      return work();
    });
  } catch (error) {
    if ((error as { code?: unknown }).code !== LOCK_NOT_AVAILABLE) throw error;
    run.deferred.push(...(typeof names === 'string' ? [names] : names));
    return null;
  }
}

/**
 * Creates the table, moves the default partition's rows of its range into it, and attaches it.
 * Inserts into event_logs wait meanwhile (milliseconds when the default partition holds nothing
 * of the range); reads go on. Returns the rows moved.
 */
function createPartition(run: Run, partition: NewPartition): Promise<number | null> {
  const { session, sql } = run;
  const range = [partition.from, partition.to];
  return withLockTimeout(run, partition.name, async () => {
    await session.query(sql.createTable(partition.name));
    await session.query(sql.lockWriters);
    let moved = 0;
    const { rows } = await session.query<{ found: boolean }>(sql.defaultHasRows, range);
    if (rows[0]?.found) {
      moved = (await session.query(sql.moveRows(partition.name), range)).rowCount;
    }
    await session.query(sql.attach(partition.name, partition.from, partition.to));
    return moved;
  });
}

/**
 * Detaches and drops the expired partitions in one transaction: one brief ACCESS EXCLUSIVE lock
 * on event_logs (writers and readers wait for it, at most `lockTimeoutMs`), whatever their number.
 * The same transaction raises the retention horizon past their rows (`uppers`: each partition's
 * upper bound, epoch ms), so that no read from before them skips them unawares, and takes their
 * events out of the rollup (before the detach: the rollup's lock comes first, as in a fold).
 */
async function dropPartitions(
  run: Run,
  names: readonly string[],
  uppers: ReadonlyMap<string, number>,
): Promise<boolean> {
  const { session, sql } = run;
  const horizon = horizonSql(run.names);
  const done = await withLockTimeout(run, names, async () => {
    const rollup = rollupRetention(session, run.names);
    await rollup.lock();
    let last: StreamPosition | undefined;
    let before = 0;
    for (const name of names) {
      await rollup.remove(sql.partition(name), null);
      const { rows } = await session.query<StreamPosition>(
        horizon.lastPosition(sql.partition(name)),
        [null],
      );
      const row = rows[0];
      if (row !== undefined) {
        if (last === undefined || comparePositions(row, last) > 0) last = row;
        before = Math.max(before, uppers.get(name) ?? 0);
      }
      await session.query(sql.detach(name));
      await session.query(sql.drop(name));
    }
    if (last !== undefined) await session.query(horizon.raise, [before, last.tx, last.id]);
    await rollup.done(Math.max(0, ...names.map((name) => uppers.get(name) ?? 0)));
    return true;
  });
  return done === true;
}

/**
 * Deletes the default partition's rows created before `cutoff` (epoch ms), takes them out of
 * the rollup and raises the retention horizon past them, in one transaction; resolves with how
 * many.
 */
function expireDefault(run: Run, cutoff: number): Promise<number> {
  const { session, sql } = run;
  return inTransaction(session, async () => {
    const rollup = rollupRetention(session, run.names);
    await rollup.lock();
    await rollup.remove(sql.partition(DEFAULT_PARTITION), cutoff);
    const { rows } = await session.query<{ n: number; tx: string | null; id: string | null }>(
      sql.expireDefault,
      [cutoff],
    );
    const { n = 0, tx = null, id = null } = rows[0] ?? {};
    if (tx !== null && id !== null) {
      await session.query(horizonSql(run.names).raise, [cutoff, tx, id]);
    }
    await rollup.done(cutoff);
    return n;
  });
}

/** Purges the rows `statement` deletes that are older than `windowMs`; none when it is `null`. */
async function purge(run: Run, statement: string, now: number, windowMs: number | null) {
  return windowMs === null ? 0 : deleteInChunks(run.session, statement, now - windowMs);
}
