/**
 * `npx eventrail doctor [--url URL] [--schema NAME] [--json] [thresholds]`: checks in one command
 * what a deployment otherwise finds out in production, one line each with what to do. Exits 1
 * when a check fails, 2 for a bad command line, 0 otherwise (warnings included).
 */
import type pg from 'pg';
import { toExecutor } from '../../postgres/driver/executor.js';
import { doctorSql } from '../../postgres/sql/doctor.js';
import { quoteIdentifier, type TableNames, tableNames } from '../../postgres/sql/names.js';
import {
  type CommandIo,
  invocationOf,
  parseDuration,
  parseFlags,
  parseSize,
  UsageError,
} from '../flags.js';
import {
  consumers,
  failedRows,
  notify,
  outboxBacklog,
  streamMark,
  walLevel,
} from './activity-checks.js';
import { connection, type Server, unreachable } from './connection.js';
import type { DoctorContext, SlotLimits, Thresholds } from './context.js';
import { type CheckResult, formatJson, formatText } from './report.js';
import { migrations, partitions, retention } from './schema-checks.js';
import { walSlots } from './slot-checks.js';

/** The thresholds' flags, the option each sets, and its default. */
const THRESHOLDS: Readonly<Record<string, { option: keyof Thresholds; default: string }>> = {
  'outbox-age': { option: 'outboxAgeMs', default: '5m' },
  'transaction-age': { option: 'transactionAgeMs', default: '30s' },
  'partitions-ahead': { option: 'partitionsAheadMs', default: '1d' },
  'notify-timeout': { option: 'notifyTimeoutMs', default: '2s' },
};

export const DOCTOR_USAGE = `usage: eventrail doctor [--url URL] [--schema NAME] [--json] [thresholds]
  checks the connection, migrations, partitions and retention, LISTEN/NOTIFY, the outbox
  backlog, failed rows, transactions holding the stream back, consumers, wal_level and the
  WAL transport's slots: one pass/warn/fail line each, with what to do; exits 1 when a check fails
  --json              one JSON document instead of lines
  --outbox-age D      warn when the oldest pending outbox row is older (default 5m)
  --transaction-age D warn when a transaction holding the stream back is open longer (default 30s)
  --partitions-ahead D  warn when event_logs' partitions end sooner than this from now (default 1d)
  --notify-timeout D  how long a NOTIFY may take to come back (default 2s)
  --connect-timeout D how long connecting may take (default 10s)
  --slot NAME         a replication slot to check besides those named eventrail… (repeatable)
  --slot-retained S   warn when a slot no relay reads keeps more WAL (default 1GB; kB, MB, GB)
  --url, --schema     the database and eventrail's schema, as for the other commands
  durations: a number and a unit of ms, s, m, h, d, w (30s, 5m, 1d)`;

const FLAGS = {
  url: { type: 'string' },
  schema: { type: 'string' },
  json: { type: 'boolean' },
  'outbox-age': { type: 'string' },
  'transaction-age': { type: 'string' },
  'partitions-ahead': { type: 'string' },
  'notify-timeout': { type: 'string' },
  'connect-timeout': { type: 'string' },
  slot: { type: 'string', multiple: true },
  'slot-retained': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What `eventrail doctor` runs. */
interface DoctorInvocation {
  readonly url: string;
  readonly names: TableNames;
  readonly json: boolean;
  readonly thresholds: Thresholds;
  readonly slots: SlotLimits;
  readonly connectTimeoutMs: number;
}

/** Reads the arguments after `eventrail doctor`; throws a {@link UsageError} naming the flag. */
export function readDoctorCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): DoctorInvocation | 'help' {
  const { values, positionals } = parseFlags(args, FLAGS, 'doctor');
  if (values.help === true) return 'help';
  if (positionals.length > 0) throw new UsageError(`doctor takes no '${positionals[0]}'`);
  const url = values.url ?? env.DATABASE_URL;
  if (!url) throw new UsageError('DATABASE_URL is not set and --url is missing');
  const ms = (flag: keyof typeof FLAGS, fallback: string) => {
    const text = (values[flag] as string | undefined) ?? fallback;
    const read = parseDuration(text);
    if (read === undefined) {
      throw new UsageError(`--${flag}: '${text}' is not a duration such as 30s, 5m or 1d`);
    }
    return read;
  };
  const thresholds = Object.fromEntries(
    Object.entries(THRESHOLDS).map(([flag, t]) => [
      t.option,
      ms(flag as keyof typeof FLAGS, t.default),
    ]),
  ) as unknown as Thresholds;
  let names: TableNames;
  try {
    names = tableNames(values.schema);
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
  const retained = values['slot-retained'] ?? '1GB';
  const retainedBytes = parseSize(retained);
  if (retainedBytes === undefined) {
    throw new UsageError(`--slot-retained: '${retained}' is not a size such as 512MB or 1GB`);
  }
  const json = values.json === true;
  const slots = { names: values.slot ?? [], retainedBytes };
  return { url, names, json, thresholds, slots, connectTimeoutMs: ms('connect-timeout', '10s') };
}

/** Runs `check`; a check that cannot run (a statement failed) is a fail saying why. */
async function run(name: string, check: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await check();
  } catch (error) {
    return {
      check: name,
      status: 'fail',
      summary: `could not check: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Every check after the connection's, in order; those on eventrail's tables need them migrated. */
async function checks(ctx: DoctorContext, server: Server): Promise<CheckResult[]> {
  const results = [await run('migrations', () => migrations(ctx))];
  const migrated = results[0]?.status !== 'fail';
  const onTables = async (name: string, check: (c: DoctorContext) => Promise<CheckResult>) =>
    migrated
      ? run(name, () => check(ctx))
      : ({ check: name, status: 'skip', summary: 'needs the migrations' } as const);
  results.push(await onTables('partitions', partitions));
  results.push(await onTables('retention', retention));
  results.push(await run('listen/notify', () => notify(ctx)));
  results.push(await onTables('outbox backlog', outboxBacklog));
  results.push(await onTables('failed rows', failedRows));
  results.push(await run('stream mark', () => streamMark(ctx)));
  results.push(await onTables('consumers', consumers));
  results.push(walLevel(server.walLevel));
  results.push(await run('wal slots', () => walSlots(ctx)));
  return results;
}

/** Runs `eventrail doctor` with `args`; resolves with the exit code. */
export async function doctorCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CommandIo = process,
): Promise<number> {
  const invocation = invocationOf(() => readDoctorCommandLine(args, env), DOCTOR_USAGE, io);
  if (typeof invocation === 'number') return invocation;
  const { url, names, json, thresholds, slots, connectTimeoutMs } = invocation;
  const { default: pg } = await import('pg');
  const config: pg.ClientConfig = {
    connectionString: url,
    application_name: 'eventrail-doctor',
    connectionTimeoutMillis: connectTimeoutMs,
    // Timed by the client: a startup parameter (statement_timeout) is refused by PgBouncer,
    // which is one of the things the doctor is there to find.
    query_timeout: 30_000,
  };
  const probe = new pg.Client(config);
  const where = `${probe.host}:${probe.port}`;
  const target = `${where}/${probe.database}, schema ${names.schema}`;
  const pool = new pg.Pool({ ...config, max: 1 });
  pool.on('error', () => {}); // an idle connection lost: the next statement says so
  let results: CheckResult[];
  try {
    const started = await connection(toExecutor(pool), where);
    if (started.server === undefined) {
      results = [started.result];
    } else {
      const schemaFlag = names.schema === 'eventrail' ? '' : ` --schema ${names.schema}`;
      const ctx: DoctorContext = {
        db: toExecutor(pool),
        names,
        sql: doctorSql(names),
        thresholds,
        slots,
        command: (command) => `npx eventrail ${command} --url <database URL>${schemaFlag}`,
        async listen(channel, heard) {
          const client = new pg.Client(config);
          client.on('error', () => {});
          client.on('notification', (message) => {
            if (message.channel === channel) heard();
          });
          await client.connect();
          await client.query(`LISTEN ${quoteIdentifier(channel)}`);
          return { close: () => client.end() };
        },
      };
      results = [started.result, ...(await checks(ctx, started.server))];
    }
  } catch (error) {
    results = [unreachable(where, error)];
  } finally {
    await pool.end().catch(() => {});
  }
  io.stdout.write(`${json ? formatJson(target, results) : formatText(target, results)}\n`);
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}
