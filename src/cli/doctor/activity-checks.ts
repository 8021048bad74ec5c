/**
 * The checks of `eventrail doctor` on what runs: LISTEN/NOTIFY, the outbox backlog, failed rows,
 * transactions holding the stream back, consumers, wal_level.
 */
import { randomBytes } from 'node:crypto';
import { outboxSql } from '../../postgres/sql/outbox.js';
import type { DoctorContext } from './context.js';
import { type CheckResult, duration } from './report.js';

/** A NOTIFY on the first connection, heard by a LISTEN on a second: the round trip. */
export async function notify(ctx: DoctorContext): Promise<CheckResult> {
  const check = 'listen/notify';
  const channel = `eventrail_doctor_${randomBytes(6).toString('hex')}`;
  let heard!: () => void;
  const back = new Promise<void>((resolve) => {
    heard = resolve;
  });
  const listening = await ctx.listen(channel, () => heard());
  let timer: NodeJS.Timeout | undefined;
  try {
    const started = performance.now();
    await ctx.db.query('SELECT pg_notify($1, $2)', [channel, 'ping']);
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ctx.thresholds.notifyTimeoutMs);
    });
    if ((await Promise.race([back, timeout])) === 'timeout') {
      return {
        check,
        status: 'warn',
        summary: `a NOTIFY did not come back to a LISTEN on a second connection within ${duration(ctx.thresholds.notifyTimeoutMs)}`,
        fix: 'a proxy pooling by transaction (PgBouncer in transaction mode) drops LISTEN: connect eventrail to Postgres directly, or set `listen: false` on the OutboxPublisher and EventStream (they then only poll)',
      };
    }
    return {
      check,
      status: 'pass',
      summary: `a NOTIFY came back on a second connection in ${duration(performance.now() - started)}`,
    };
  } finally {
    clearTimeout(timer);
    await listening.close();
  }
}

/** Pending outbox rows and the age of the oldest, named when it is older than allowed. */
export async function outboxBacklog(ctx: DoctorContext): Promise<CheckResult> {
  const check = 'outbox backlog';
  const { rows: counted } = await ctx.db.query<{ pending: number }>(outboxSql(ctx.names).pending);
  const pending = counted[0]?.pending ?? 0;
  if (pending === 0) return { check, status: 'pass', summary: 'no pending row' };
  const { rows } = await ctx.db.query<{
    id: string;
    type: string;
    ageMs: number;
    retries: number;
    lastError: string | null;
  }>(ctx.sql.oldestPending);
  const oldest = rows[0];
  if (oldest === undefined) return { check, status: 'pass', summary: 'no pending row' };
  const tried =
    oldest.retries === 0
      ? 'never retried'
      : `retried ${oldest.retries} time(s), last error: ${oldest.lastError ?? 'none recorded'}`;
  const summary = `${pending} pending; the oldest, ${oldest.id} (${oldest.type}), is ${duration(oldest.ageMs)} old, ${tried}`;
  if (oldest.ageMs <= ctx.thresholds.outboxAgeMs) return { check, status: 'pass', summary };
  return {
    check,
    status: 'warn',
    summary,
    fix: `check that an OutboxPublisher runs on this database and schema (${ctx.names.schema}) and listen to its error events: they say why it does not publish`,
  };
}

/** Outbox rows given up on, and events the consumers parked. */
export async function failedRows(ctx: DoctorContext): Promise<CheckResult> {
  const check = 'failed rows';
  const { rows: failed } = await ctx.db.query<{ n: number }>(ctx.sql.failedOutbox);
  const { rows: parked } = await ctx.db.query<{ consumer: string; n: number }>(ctx.sql.deadLetters);
  const outbox = failed[0]?.n ?? 0;
  if (outbox === 0 && parked.length === 0) {
    return { check, status: 'pass', summary: 'no failed outbox row, no dead letter' };
  }
  const parts = [
    ...(outbox > 0 ? [`${outbox} failed outbox row(s)`] : []),
    ...parked.map((p) => `${p.n} dead letter(s) of consumer ${p.consumer}`),
  ];
  const fixes = [
    ...(outbox > 0
      ? ['read their last_error, then OutboxAdmin.reprocessFailed() puts them back to pending']
      : []),
    ...(parked.length > 0
      ? [
          `\`npx eventrail dead-letters list --consumer ${parked[0]?.consumer}\` shows them, \`… retry\` sends them back through the handler`,
        ]
      : []),
  ];
  return { check, status: 'warn', summary: parts.join(', '), fix: fixes.join('; ') };
}

/** Transactions open longer than allowed that hold the stream's settled mark back. */
export async function streamMark(ctx: DoctorContext): Promise<CheckResult> {
  const check = 'stream mark';
  const { rows } = await ctx.db.query<{
    pid: number;
    application: string;
    user: string;
    client: string;
    state: string | null;
    ageMs: number;
    query: string;
  }>(ctx.sql.longTransactions, [ctx.thresholds.transactionAgeMs]);
  const limit = duration(ctx.thresholds.transactionAgeMs);
  if (rows.length === 0) {
    return {
      check,
      status: 'pass',
      summary: `no transaction open longer than ${limit} holds the stream back`,
    };
  }
  const [oldest] = rows;
  const named = rows.map(
    (t) =>
      `pid ${t.pid} (${t.application}, ${t.user} from ${t.client}, ${t.state ?? 'state unknown'}) has held the stream's high-water mark back for ${duration(t.ageMs)}; last query: ${t.query}`,
  );
  return {
    check,
    status: 'warn',
    summary:
      rows.length === 1
        ? (named[0] as string)
        : `${rows.length} transactions open longer than ${limit}: ${named.join(' | ')}`,
    fix: `streams and consumers see nothing committed after it started until it ends: end it in the application (or \`SELECT pg_terminate_backend(${oldest?.pid})\`), and bound such transactions (idle_in_transaction_session_timeout)`,
  };
}

/** Each durable consumer: whether a member holds a lease, when its checkpoints last moved. */
export async function consumers(ctx: DoctorContext): Promise<CheckResult> {
  const check = 'consumers';
  const { rows } = await ctx.db.query<{ name: string; leased: number; movedAgoMs: number | null }>(
    ctx.sql.consumers,
  );
  if (rows.length === 0) return { check, status: 'pass', summary: 'none' };
  const moved = (ms: number | null) => (ms === null ? 'never moved' : `moved ${duration(ms)} ago`);
  const idle = rows.filter((c) => c.leased === 0);
  const summary = rows
    .map((c) => `${c.name}: ${c.leased} partition(s) leased, checkpoint ${moved(c.movedAgoMs)}`)
    .join('; ');
  if (idle.length === 0) return { check, status: 'pass', summary };
  return {
    check,
    status: 'warn',
    summary,
    fix: `no member of ${idle.map((c) => c.name).join(', ')} runs (no lease held): start one, or forget a consumer no longer used (its lag is in consumer.stats())`,
  };
}

/** wal_level, for the WAL relay (slot lag comes with it). */
export function walLevel(level: string): CheckResult {
  return {
    check: 'wal_level',
    status: 'info',
    summary: `${level}${level === 'logical' ? '' : " (logical decoding needs 'logical')"}`,
  };
}
