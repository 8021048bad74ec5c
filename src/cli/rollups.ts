/**
 * `npx eventrail rollups rebuild [--from 2026-09-01]`: folds the stored events into the rollups
 * again, one UTC day per transaction, while the application writes and its `RollupWorker` folds
 * (see `rebuildRollups`). Progress goes to stderr: a line redrawn in place on a terminal, else
 * one JSON line per day. Exits 2 for a bad command line (naming the flag), 0 when done.
 */
import { toExecutor } from '../postgres/driver/executor.js';
import type { RollupProgress } from '../postgres/rollups/build.js';
import { storedShape } from '../postgres/rollups/definition.js';
import { rebuildShape } from '../postgres/rollups/rebuild.js';
import { tableNames } from '../postgres/sql/names.js';
import { EVENTS_ROLLUP } from '../postgres/sql/rollups.js';
import { type CommandIo, invocationOf, parseFlags, UsageError } from './flags.js';
import type { ProgressOutput } from './progress.js';

export const ROLLUPS_USAGE = `usage: eventrail rollups rebuild [--rollup NAME] [--from DATE] [--url URL] [--schema NAME]
  rebuild     fold the stored events into the rollups again, a UTC day per transaction, while
              events are written and folded: nothing is missed or counted twice, reads stay exact
  --rollup    the rollup: events (the built-in one, the default) or a custom one's name, whose
              definition its RollupWorker stored
  --from      only the days from this one (an ISO date or time) on (default: every stored day)
  --url, --schema    the database and eventrail's schema, as for the other commands`;

const FLAGS = {
  from: { type: 'string' },
  rollup: { type: 'string' },
  url: { type: 'string' },
  schema: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface RollupsInvocation {
  readonly url: string;
  readonly schema: string;
  readonly from: Date | undefined;
  readonly rollup: string;
}

/** Reads the arguments after `eventrail rollups`; throws a {@link UsageError} naming the flag. */
export function readRollupsCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): RollupsInvocation | 'help' {
  const { values, positionals } = parseFlags(args, FLAGS, 'rollups');
  if (values.help === true) return 'help';
  if (positionals.length !== 1 || positionals[0] !== 'rebuild') {
    throw new UsageError('expected the action rebuild');
  }
  const url = values.url ?? env.DATABASE_URL;
  if (!url) throw new UsageError('DATABASE_URL is not set and --url is missing');
  const from = values.from === undefined ? undefined : new Date(values.from);
  if (from !== undefined && Number.isNaN(from.getTime())) {
    throw new UsageError(`--from: '${values.from}' is not a date (2026-09-01 or an ISO time)`);
  }
  try {
    return {
      url,
      schema: tableNames(values.schema).schema,
      from,
      rollup: values.rollup ?? EVENTS_ROLLUP,
    };
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
}

/** Says where a rebuild stands: redrawn in place on a terminal, else a JSON line. */
function reporter(out: ProgressOutput, started: number) {
  return ({ done, total, day }: RollupProgress) => {
    const elapsedMs = Math.round(performance.now() - started);
    const date = day.toISOString().slice(0, 10);
    if (out.isTTY) {
      const percent = Math.floor((done * 100) / total);
      out.write(`\rrebuilding rollups: ${date}, day ${done} of ${total} (${percent}%)`);
      if (done === total) out.write('\n');
    } else {
      out.write(`${JSON.stringify({ day: date, done, total, elapsedMs })}\n`);
    }
  };
}

/** Runs `eventrail rollups` with `args`; resolves with the exit code. */
export async function rollupsCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CommandIo & { readonly stderr: ProgressOutput } = process,
): Promise<number> {
  const invocation = invocationOf(() => readRollupsCommandLine(args, env), ROLLUPS_USAGE, io);
  if (typeof invocation === 'number') return invocation;
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: invocation.url, max: 1 });
  pool.on('error', () => {});
  try {
    const names = tableNames(invocation.schema);
    const db = toExecutor(pool);
    const { rows } = await db.query<{ definition: unknown }>(
      `SELECT definition FROM ${names.rollups} WHERE name = $1`,
      [invocation.rollup],
    );
    if (rows[0] === undefined && invocation.rollup !== EVENTS_ROLLUP) {
      io.stderr.write(
        `eventrail: no rollup named '${invocation.rollup}' (its RollupWorker makes it)\n`,
      );
      return 1;
    }
    const shape = storedShape(names, invocation.rollup, rows[0]?.definition ?? null);
    const progress = reporter(io.stderr, performance.now());
    const { days, durationMs } = await rebuildShape(
      db,
      names,
      shape,
      invocation.from ?? null,
      progress,
    );
    io.stdout.write(`rebuilt: ${days} day(s) in ${(durationMs / 1000).toFixed(1)} s\n`);
    return 0;
  } finally {
    await pool.end();
  }
}
