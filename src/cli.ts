#!/usr/bin/env node
/**
 * `npx eventrail migrate|rollback|maintain [--schema NAME] [--steps N] [--retention 90d]` against
 * DATABASE_URL (or --url). Exits 2 for a bad command line (the message names the flag), 1 when
 * the command fails. Uses the `pg` driver, a peer dependency of eventrail's Postgres entry.
 * `npx eventrail replay …`, `npx eventrail dead-letters …`, `npx eventrail rollups …` and
 * `npx eventrail doctor …` and `npx eventrail slot …` are modules of their own (src/cli/replay.ts,
 * src/cli/dead-letters.ts, src/cli/rollups.ts, src/cli/doctor/, src/cli/slot.ts), loaded when
 * asked for.
 */
import { flagOf, type Invocation, readCommandLine, UsageError } from './cli/flags.js';
import { ValidationError } from './errors.js';
import type { PgDatabase } from './postgres/driver/types.js';
import { maintain } from './postgres/maintenance/maintain.js';
import { migrate, rollback } from './postgres/migrate/migrate.js';

const USAGE = `usage: eventrail <migrate|rollback|maintain|replay|dead-letters|rollups|doctor|slot> [--url URL] [--schema NAME] [options]
  migrate    apply pending migrations
  rollback   undo the newest migration (--steps N, or --steps all: drops eventrail's tables)
  maintain   make event_logs partitions ahead, drop expired ones, purge the published outbox
             (--retention 90d, --premake 3, --partition-width 1d, --outbox-retention 7d|none,
             --inbox-retention none|30d: consumer inbox records kept)
             durations: a number and a unit of ms, s, m, h, d, w (90d, 12h, 2w)
  replay     publish stored events again to RabbitMQ or NATS (eventrail replay --help)
  dead-letters  list, retry or purge the events a Consumer parked (eventrail dead-letters --help)
  rollups    rebuild the rollups from the stored events (eventrail rollups --help)
  doctor     check the database, migrations, partitions, LISTEN/NOTIFY, backlogs and long
             transactions: one pass/warn/fail line each, with what to do (eventrail doctor --help)
  slot       status, create or drop the WAL transport's replication slot (eventrail slot --help)
  --url      connection string (default: $DATABASE_URL)
  --schema   Postgres schema of eventrail's tables (default: eventrail)`;

async function main(args: readonly string[]): Promise<number> {
  if (args[0] === 'replay')
    return (await import('./cli/replay.js')).replayCommand(args.slice(1), process.env);
  if (args[0] === 'dead-letters')
    return (await import('./cli/dead-letters.js')).deadLettersCommand(args.slice(1), process.env);
  if (args[0] === 'rollups')
    return (await import('./cli/rollups.js')).rollupsCommand(args.slice(1), process.env);
  if (args[0] === 'doctor')
    return (await import('./cli/doctor/command.js')).doctorCommand(args.slice(1), process.env);
  if (args[0] === 'slot')
    return (await import('./cli/slot.js')).slotCommand(args.slice(1), process.env);
  let invocation: Invocation | 'help';
  try {
    invocation = readCommandLine(args, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`eventrail: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (invocation === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: invocation.url, max: 1 });
  try {
    console.log(await run(invocation, pool));
    return 0;
  } catch (error) {
    // Options refused before the database is touched: a flag's value out of range.
    const flag = error instanceof ValidationError ? flagOf(error.field) : undefined;
    if (flag === undefined) throw error;
    console.error(`eventrail: --${flag}: ${(error as ValidationError).message}`);
    return 2;
  } finally {
    await pool.end();
  }
}

async function run({ command, options }: Invocation, db: PgDatabase): Promise<string> {
  if (command === 'maintain') {
    const result = await maintain({ ...options, db });
    if (!result.ran) return 'another instance is maintaining; nothing done';
    const list = (names: readonly string[]) => (names.length === 0 ? 'none' : names.join(', '));
    return [
      `created: ${list(result.created)}`,
      `dropped: ${list(result.dropped)}`,
      `deferred (lock busy): ${list(result.deferred)}`,
      `rows moved from the default partition: ${result.rowsMoved}`,
      `expired rows deleted from the default partition: ${result.defaultRowsExpired}`,
      `published outbox rows purged: ${result.outboxRowsPurged}`,
      `consumer inbox records purged: ${result.inboxRowsPurged}`,
    ].join('\n');
  }
  const result =
    command === 'migrate' ? await migrate({ ...options, db }) : await rollback({ ...options, db });
  const verb = command === 'migrate' ? 'applied' : 'rolled back';
  return result.names.length === 0 ? `nothing to do` : `${verb}: ${result.names.join(', ')}`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`eventrail: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
