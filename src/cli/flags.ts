/**
 * The command line of `npx eventrail`: which flags each command takes, and how their text becomes
 * the options of `migrate`, `rollback` and `maintain` (durations such as `90d` become
 * milliseconds here: the library takes numbers only).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { closestKey } from '../options/closest.js';

/** A command line that cannot run: the CLI exits with code 2 and says why, naming the flag. */
export class UsageError extends Error {}

/** The commands of the CLI. */
export type Command = 'migrate' | 'rollback' | 'maintain';

/** What to run: the command, the database and the options the flags give. */
export interface Invocation {
  readonly command: Command;
  readonly url: string;
  readonly options: Readonly<Record<string, unknown>>;
}

const COMMANDS: readonly Command[] = ['migrate', 'rollback', 'maintain'];

const HOUR = 3_600_000;
const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: HOUR,
  d: 24 * HOUR,
  w: 7 * 24 * HOUR,
};
const DURATION =
  /^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?|d|days?|w|weeks?)\s*$/i;

/**
 * The milliseconds of a duration written as `90d`, `90 days`, `12h`, `2 weeks`, `30 minutes`,
 * `1500ms`; undefined when the text is none of these, or not a whole positive number of ms.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null) return undefined;
  const unit = (match[2] as string).toLowerCase();
  const ms = Number(match[1]) * (UNITS[unit === 'ms' ? 'ms' : (unit[0] as string)] as number);
  return Number.isInteger(ms) && ms > 0 ? ms : undefined;
}

const SIZE = /^\s*(\d+(?:\.\d+)?)\s*(B|kB|MB|GB|TB)\s*$/i;
const SIZE_UNITS = ['b', 'kb', 'mb', 'gb', 'tb'];

/**
 * The bytes of a size written as Postgres writes them (`512kB`, `64MB`, `1GB`, 1024-based);
 * undefined when the text is none of these, or not a whole number of bytes.
 */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text);
  if (match === null) return undefined;
  const unit = SIZE_UNITS.indexOf((match[2] as string).toLowerCase());
  const bytes = Number(match[1]) * 1024 ** unit;
  return Number.isInteger(bytes) ? bytes : undefined;
}

type Read = (text: string, flag: string) => unknown;

const duration: Read = (text, flag) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new UsageError(`--${flag}: '${text}' is not a duration such as 90d, 12h, 30m or 2w`);
  }
  return ms;
};

const count: Read = (text, flag) => {
  if (!/^\d+$/.test(text)) throw new UsageError(`--${flag}: '${text}' is not a whole number`);
  return Number(text);
};

/** Each flag: the option it sets, how its text is read, and the commands that take it. */
const FLAGS: Readonly<
  Record<string, { option: string; read: Read; commands: readonly Command[] }>
> = {
  schema: { option: 'schema', read: (text) => text, commands: COMMANDS },
  steps: {
    option: 'steps',
    read: (text, flag) => (text === 'all' ? Number.POSITIVE_INFINITY : count(text, flag)),
    commands: ['rollback'],
  },
  retention: { option: 'retentionMs', read: duration, commands: ['maintain'] },
  'partition-width': { option: 'partitionWidthMs', read: duration, commands: ['maintain'] },
  premake: { option: 'premake', read: count, commands: ['maintain'] },
  'outbox-retention': {
    option: 'outboxRetentionMs',
    read: (text, flag) => (text === 'none' ? null : duration(text, flag)),
    commands: ['maintain'],
  },
  'inbox-retention': {
    option: 'inboxRetentionMs',
    read: (text, flag) => (text === 'none' ? null : duration(text, flag)),
    commands: ['maintain'],
  },
};

/**
 * Reads the arguments after `eventrail`: `'help'` for `--help`, else what to run. Throws a
 * {@link UsageError} for an unknown command or flag, a flag the command does not take, a value
 * that does not read (`--retention soon`), or no database (`--url`, else `DATABASE_URL`).
 */
export function readCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Invocation | 'help' {
  const flags = Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: 'string' as const }]));
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { ...flags, url: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { positionals, values } = parsed;
  if (values.help === true) return 'help';
  const command = positionals[0] as Command;
  if (positionals.length !== 1 || !COMMANDS.includes(command)) {
    throw new UsageError(`expected one command of ${COMMANDS.join(', ')}`);
  }
  const url = (values.url as string | undefined) ?? env.DATABASE_URL;
  if (!url) throw new UsageError('DATABASE_URL is not set and --url is missing');
  const options: Record<string, unknown> = {};
  for (const [flag, { option, read, commands }] of Object.entries(FLAGS)) {
    const text = values[flag] as string | undefined;
    if (text === undefined) continue;
    if (!commands.includes(command)) throw new UsageError(`--${flag} does not apply to ${command}`);
    options[option] = read(text, flag);
  }
  return { command, url, options };
}

/** The flag that sets the option a `ValidationError` names (`options.retentionMs`: `retention`). */
export function flagOf(field: string): string | undefined {
  const option = field.replace(/^options\./, '');
  return Object.keys(FLAGS).find((flag) => FLAGS[flag]?.option === option);
}

/** What {@link parseFlags} returns. @internal */
export type ParsedFlags<O extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ options: O; strict: true; allowPositionals: true }>
>;

/**
 * `parseArgs` of the arguments of `eventrail <command>` (strict, positionals allowed), its
 * refusals as a {@link UsageError} naming the flag (and the closest one). @internal
 */
export function parseFlags<O extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: O,
  command: string,
): ParsedFlags<O> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /^Unknown option '--?([^']+)'/.exec(message)?.[1];
    if (unknown === undefined) throw new UsageError(message.split('. ')[0] as string);
    const closest = closestKey(unknown, Object.keys(options));
    throw new UsageError(
      `--${unknown} is not a flag of ${command}${closest ? `; did you mean --${closest}?` : ''}`,
    );
  }
}

/** Where a command writes. @internal */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/**
 * What a command's `read` of its command line asks to run, or the exit code when nothing runs:
 * 0 for `--help` (the usage on stdout), 2 for a {@link UsageError} (its message and the usage on
 * stderr). @internal
 */
export function invocationOf<I>(read: () => I | 'help', usage: string, io: CommandIo): I | number {
  let invocation: I | 'help';
  try {
    invocation = read();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`eventrail: ${error.message}\n\n${usage}\n`);
    return 2;
  }
  if (invocation !== 'help') return invocation;
  io.stdout.write(`${usage}\n`);
  return 0;
}
