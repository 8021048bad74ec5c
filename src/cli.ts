#!/usr/bin/env node
/**
 * `npx eventrail migrate|rollback|maintain [--schema NAME] [--steps N] [--retention 90d]` against
 * DATABASE_URL (or --url).
 * Uses the `pg` driver, a peer dependency of eventrail's Postgres entry.
 */
import { parseArgs } from 'node:util';
import type { PgDatabase } from './postgres/driver/types.js';
import { maintain } from './postgres/maintenance/maintain.js';
import { migrate, rollback } from './postgres/migrate/migrate.js';

const COMMANDS = ['migrate', 'rollback', 'maintain'];

const USAGE = `usage: eventrail <migrate|rollback|maintain> [--url URL] [--schema NAME] [options]
  migrate    apply pending migrations
  rollback   undo the newest migration (--steps N, or --steps all: drops eventrail's tables)
  maintain   make event_logs partitions ahead, drop expired ones, purge the published outbox
             (--retention 90d, --premake 3, --partition-width 1d, --outbox-retention 7d|none,
             --inbox-retention none|30d: consumer inbox records kept)
  --url      connection string (default: $DATABASE_URL)
  --schema   Postgres schema of eventrail's tables (default: eventrail)`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      schema: { type: 'string' },
      steps: { type: 'string' },
      retention: { type: 'string' },
      premake: { type: 'string' },
      'partition-width': { type: 'string' },
      'outbox-retention': { type: 'string' },
      'inbox-retention': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  const url = values.url ?? process.env.DATABASE_URL;
  if (values.help || !COMMANDS.includes(command ?? '') || !url) {
    console.error(
      url || values.help ? USAGE : `${USAGE}\n\nDATABASE_URL is not set and --url is missing.`,
    );
    return values.help ? 0 : 2;
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    console.log(await run(command as string, pool, values));
    return 0;
  } finally {
    await pool.end();
  }
}

async function run(
  command: string,
  pool: PgDatabase,
  values: Record<string, string | boolean | undefined>,
): Promise<string> {
  const text = (name: string) => values[name] as string | undefined;
  const schema = text('schema');
  if (command === 'maintain') {
    const windowOf = (name: string) => (text(name) === 'none' ? null : text(name));
    const premake = text('premake');
    const result = await maintain(pool, {
      schema,
      retention: text('retention'),
      partitionWidth: text('partition-width'),
      premake: premake === undefined ? undefined : Number(premake),
      outboxRetention: windowOf('outbox-retention'),
      inboxRetention: windowOf('inbox-retention'),
    });
    if (!result.ran) return 'another instance is maintaining; nothing done';
    const list = (names: readonly string[]) => (names.length === 0 ? 'none' : names.join(', '));
    return [
      `created: ${list(result.created)}`,
      `dropped: ${list(result.dropped)}`,
      `deferred (lock busy): ${list(result.deferred)}`,
      `rows moved from the default partition: ${result.movedRows}`,
      `expired rows deleted from the default partition: ${result.expiredDefaultRows}`,
      `published outbox rows purged: ${result.outboxPurged}`,
      `consumer inbox records purged: ${result.inboxPurged}`,
    ].join('\n');
  }
  const result =
    command === 'migrate'
      ? await migrate(pool, { schema })
      : await rollback(pool, {
          schema,
          steps: text('steps') === 'all' ? Infinity : Number(text('steps') ?? 1),
        });
  const verb = command === 'migrate' ? 'applied' : 'rolled back';
  return result.names.length === 0 ? `nothing to do` : `${verb}: ${result.names.join(', ')}`;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`eventrail: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
