/**
 * `npx eventrail dead-letters list|retry|purge --consumer NAME [--key K]`: the events a durable
 * `Consumer` parked. The command line has no handler, so `retry` asks the consumer's running
 * members to send them back through theirs (they look at each heartbeat), and says so when none
 * runs. Exits 2 for a bad command line (naming the flag), 1 when no consumer has that name, 0
 * otherwise.
 */
import {
  deadLetterListOptions,
  listDeadLetters,
  purgeDeadLetters,
  requestDeadLetters,
} from '../postgres/consume/dead-letters.js';
import { toExecutor } from '../postgres/driver/executor.js';
import type { Session } from '../postgres/driver/types.js';
import { consumerSql } from '../postgres/sql/consumer.js';
import { type TableNames, tableNames } from '../postgres/sql/names.js';
import { type CommandIo, invocationOf, parseFlags, UsageError } from './flags.js';

export const DEAD_LETTERS_USAGE = `usage: eventrail dead-letters <list|retry|purge> --consumer NAME [options]
  list        the parked events, by key in commit order: one JSON line each (--limit N, 100)
  retry       ask the running members of the consumer to send them back through their handler
              (at their next heartbeat); one failing again stays parked with the rest of its key
  purge       remove them without handling them
  --key K     only those of this key (aggregate id, else session id, else user id)
  --url, --schema    the database and eventrail's schema, as for the other commands`;

const ACTIONS = ['list', 'retry', 'purge'] as const;

const FLAGS = {
  consumer: { type: 'string' },
  key: { type: 'string' },
  limit: { type: 'string' },
  url: { type: 'string' },
  schema: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What `eventrail dead-letters` runs. */
interface DeadLettersInvocation {
  readonly action: (typeof ACTIONS)[number];
  readonly url: string;
  readonly consumer: string;
  readonly key: string | undefined;
  readonly limit: number;
  readonly names: TableNames;
}

/** Reads the arguments after `eventrail dead-letters`; throws a {@link UsageError} naming the flag. */
export function readDeadLettersCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): DeadLettersInvocation | 'help' {
  const { values, positionals } = parseFlags(args, FLAGS, 'dead-letters');
  if (values.help === true) return 'help';
  const action = positionals[0] as DeadLettersInvocation['action'];
  if (positionals.length !== 1 || !ACTIONS.includes(action)) {
    throw new UsageError(`expected one action of ${ACTIONS.join(', ')}`);
  }
  if (values.consumer === undefined) throw new UsageError('--consumer is required');
  if (values.limit !== undefined && action !== 'list')
    throw new UsageError(`--limit does not apply to ${action}`);
  const url = values.url ?? env.DATABASE_URL;
  if (!url) throw new UsageError('DATABASE_URL is not set and --url is missing');
  let limit: number;
  try {
    limit = deadLetterListOptions.resolve({
      limit: values.limit === undefined ? undefined : Number(values.limit),
    }).limit;
  } catch (error) {
    throw new UsageError(`--limit: ${(error as Error).message.replace(/^options\.limit: /, '')}`);
  }
  let names: TableNames;
  try {
    names = tableNames(values.schema);
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
  return { action, url, consumer: values.consumer, key: values.key, limit, names };
}

/**
 * Whether `consumer` exists, and whether a member of it runs: one holds a lease on one of its
 * partitions (each member renews its leases at its heartbeat, for its own `leaseMs`).
 */
async function presence(
  db: Session,
  names: TableNames,
  consumer: string,
): Promise<{ readonly exists: boolean; readonly running: boolean }> {
  const { rows } = await db.query<{ exists: boolean; running: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${names.consumers} WHERE name = $1) AS "exists",
  EXISTS (SELECT 1 FROM ${names.consumerPartitions}
    WHERE consumer = $1 AND lease_until > now()) AS "running"`,
    [consumer],
  );
  return rows[0] as { exists: boolean; running: boolean };
}

/** Runs `eventrail dead-letters` with `args`; resolves with the exit code. */
export async function deadLettersCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CommandIo = process,
): Promise<number> {
  const invocation = invocationOf(
    () => readDeadLettersCommandLine(args, env),
    DEAD_LETTERS_USAGE,
    io,
  );
  if (typeof invocation === 'number') return invocation;
  const { action, consumer, key, limit } = invocation;
  const sql = consumerSql(invocation.names);
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: invocation.url, max: 1 });
  try {
    const db = toExecutor(pool);
    const { exists, running } = await presence(db, invocation.names, consumer);
    if (!exists) {
      io.stderr.write(`eventrail: no consumer named '${consumer}'\n`);
      return 1;
    }
    if (action === 'list') {
      for (const dead of await listDeadLetters(db, sql, consumer, key, limit)) {
        io.stdout.write(`${JSON.stringify(dead)}\n`);
      }
    } else if (action === 'retry') {
      const n = await requestDeadLetters(db, sql, consumer, key);
      io.stdout.write(
        running
          ? `asked back: ${n} (the running members of '${consumer}' send them back)\n`
          : `asked back: ${n} (no member of '${consumer}' runs: nothing sends them back until one does)\n`,
      );
    } else {
      io.stdout.write(`purged: ${await purgeDeadLetters(db, sql, consumer, key)}\n`);
    }
    return 0;
  } finally {
    await pool.end();
  }
}
