#!/usr/bin/env node
/**
 * `npx eventrail migrate|rollback [--schema NAME] [--steps N]` against DATABASE_URL (or --url).
 * Uses the `pg` driver, a peer dependency of eventrail's Postgres entry.
 */
import { parseArgs } from 'node:util';
import { migrate, rollback } from './postgres/migrate/migrate.js';

const USAGE = `usage: eventrail <migrate|rollback> [--url URL] [--schema NAME] [--steps N|all]
  migrate    apply pending migrations
  rollback   undo the newest migration (--steps N, or --steps all: drops eventrail's tables)
  --url      connection string (default: $DATABASE_URL)
  --schema   Postgres schema of eventrail's tables (default: eventrail)`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      schema: { type: 'string' },
      steps: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  const url = values.url ?? process.env.DATABASE_URL;
  if (values.help || (command !== 'migrate' && command !== 'rollback') || !url) {
    console.error(
      url || values.help ? USAGE : `${USAGE}\n\nDATABASE_URL is not set and --url is missing.`,
    );
    return values.help ? 0 : 2;
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const schema = values.schema;
    const result =
      command === 'migrate'
        ? await migrate(pool, { schema })
        : await rollback(pool, {
            schema,
            steps: values.steps === 'all' ? Infinity : Number(values.steps ?? 1),
          });
    const verb = command === 'migrate' ? 'applied' : 'rolled back';
    console.log(
      result.names.length === 0 ? `nothing to do` : `${verb}: ${result.names.join(', ')}`,
    );
    return 0;
  } finally {
    await pool.end();
  }
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
