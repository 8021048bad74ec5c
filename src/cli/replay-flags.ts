/**
 * `npx eventrail replay`: stored events published again to RabbitMQ or NATS (see `replay` in
 * `eventrail/postgres`), with its progress on stderr. Exits 2 for a bad command line (naming the
 * flag), 1 when the replay stops or cannot start, 0 when it is done (its summary on stdout).
 */
import type { ReplayOptions } from '../postgres/replay/options.js';
import { parseFlags, UsageError } from './flags.js';

export const REPLAY_USAGE = `usage: eventrail replay --from start|TIME --to URL [options]
  --from TIME        start: every event retention kept; or a time (2026-12-01, 2026-12-01T08:00Z,
                     a zone required with a time of day): the events created at or after it
  --until TIME       only the events created before this time
  --type T           only the events of this type (repeat the flag for more types)
  --user U           only the events of this user (--project P: and of this project of theirs)
  --to URL           amqp:// or amqps:// (RabbitMQ), nats:// or tls:// (NATS JetStream)
  --exchange X       the RabbitMQ exchange (required with amqp://)
  --stream S         the JetStream stream (required with nats://; created when missing)
  --subject-prefix P first token of the NATS subjects (default: eventrail)
  --name N           keep a checkpoint under this name, so that the replay can be resumed
  --resume           continue after the checkpoint of --name
  --rate N           events per second at most (default: as fast as the broker takes them)
  --url, --schema    the database and eventrail's schema, as for the other commands
  Progress goes to stderr: a bar on a terminal, else a JSON line a second at most and a final one.`;

/** Where the events go: the broker's URL and where in it. */
export type Broker =
  | { readonly kind: 'rabbitmq'; readonly url: string; readonly exchange: string }
  | {
      readonly kind: 'nats';
      readonly servers: string;
      readonly stream: string;
      readonly subjectPrefix?: string;
    };

/** What `eventrail replay` runs: the database, the broker, and the options of `replay`. */
export interface ReplayInvocation {
  readonly url: string;
  readonly broker: Broker;
  readonly options: Omit<ReplayOptions, 'db' | 'sink'>;
}

const FLAGS = {
  from: { type: 'string' },
  until: { type: 'string' },
  type: { type: 'string', multiple: true },
  user: { type: 'string' },
  project: { type: 'string' },
  to: { type: 'string' },
  exchange: { type: 'string' },
  stream: { type: 'string' },
  'subject-prefix': { type: 'string' },
  name: { type: 'string' },
  resume: { type: 'boolean' },
  rate: { type: 'string' },
  url: { type: 'string' },
  schema: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Each option (or sink option) a `ValidationError` may name, and the flag that sets it. */
const FLAG_OF: readonly (readonly [string, string])[] = [
  ['options.from', 'from'],
  ['options.to', 'until'],
  ['options.filters.types', 'type'],
  ['options.scope.userId', 'user'],
  ['options.scope.projectId', 'project'],
  ['options.name', 'name'],
  ['options.ratePerSecond', 'rate'],
  ['options.schema', 'schema'],
  ['options.url', 'to'],
  ['options.servers', 'to'],
  ['options.exchange', 'exchange'],
  ['options.stream', 'stream'],
  ['options.subjectPrefix', 'subject-prefix'],
];

/** The flag behind the option a `ValidationError` of replay or of its sink names. */
export function replayFlagOf(field: string): string | undefined {
  return FLAG_OF.find(
    ([option]) =>
      field === option || field.startsWith(`${option}.`) || field.startsWith(`${option}[`),
  )?.[1];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** A date (midnight UTC) or a date and time with its zone. */
function time(text: string, flag: string): Date {
  const date = DATE.test(text) || DATE_TIME.test(text) ? new Date(text) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new UsageError(
      `--${flag}: '${text}' is not a date (2026-12-01) or a time with its zone (2026-12-01T08:00Z)`,
    );
  }
  return date;
}

function positive(text: string, flag: string): number {
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : 0;
  if (!(n > 0)) throw new UsageError(`--${flag}: '${text}' is not a positive number`);
  return n;
}

/** The broker of `--to`, with `--exchange` or `--stream` (and only the one that applies). */
function broker(values: Record<string, string | undefined>): Broker {
  const { to, exchange, stream } = values;
  if (to === undefined) throw new UsageError('--to is required: amqp://… or nats://…');
  const nats = /^(nats|tls):\/\//i.test(to);
  if (!nats && !/^amqps?:\/\//i.test(to)) {
    throw new UsageError(`--to: '${to}' is not an amqp://, amqps://, nats:// or tls:// URL`);
  }
  const [needed, other] = nats ? ['stream', 'exchange'] : ['exchange', 'stream'];
  const kind = nats ? 'nats://' : 'amqp://';
  if (values[other as string] !== undefined)
    throw new UsageError(`--${other} does not apply to ${kind}`);
  if (values[needed as string] === undefined)
    throw new UsageError(`--${needed} is required with ${kind}`);
  const prefix = values['subject-prefix'];
  if (!nats && prefix !== undefined)
    throw new UsageError('--subject-prefix applies to nats:// only');
  return nats
    ? {
        kind: 'nats',
        servers: to,
        stream: stream as string,
        ...(prefix !== undefined && { subjectPrefix: prefix }),
      }
    : { kind: 'rabbitmq', url: to, exchange: exchange as string };
}

/**
 * Reads the arguments after `eventrail replay`: `'help'` for `--help`, else what to run. Throws
 * a {@link UsageError} naming the flag that is unknown, misses its value, does not read, or
 * does not go with the others; or for no database (`--url`, else `DATABASE_URL`).
 */
export function readReplayCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ReplayInvocation | 'help' {
  const { values, positionals } = parseFlags(args, FLAGS, 'replay');
  if (positionals.length > 0) throw new UsageError(`Unexpected argument '${positionals[0]}'`);
  if (values.help === true) return 'help';
  const text = values as Record<string, string | undefined>;
  if (text.from === undefined) throw new UsageError('--from is required: start, or a time');
  const from = text.from === 'start' ? ('start' as const) : time(text.from, 'from');
  if (text.project !== undefined && text.user === undefined) {
    throw new UsageError('--project needs --user: a project is read within its user');
  }
  if (values.resume === true && text.name === undefined)
    throw new UsageError('--resume needs --name');
  const url = text.url ?? env.DATABASE_URL;
  if (!url) throw new UsageError('DATABASE_URL is not set and --url is missing');
  const options: Record<string, unknown> = { from, resume: values.resume === true };
  if (text.until !== undefined) options.to = time(text.until, 'until');
  if (values.type !== undefined) options.filters = { types: values.type };
  if (text.user !== undefined)
    options.scope = {
      userId: text.user,
      ...(text.project !== undefined && { projectId: text.project }),
    };
  if (text.name !== undefined) options.name = text.name;
  if (text.rate !== undefined) options.ratePerSecond = positive(text.rate, 'rate');
  if (text.schema !== undefined) options.schema = text.schema;
  return { url, broker: broker(text), options: options as ReplayInvocation['options'] };
}
