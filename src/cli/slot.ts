/**
 * `npx eventrail slot status|create|drop [--slot NAME] [--url URL] [--force]`: the WAL
 * transport's replication slot. `status` prints one line per fact and exits 1 when the slot is
 * missing or the server invalidated it; `create` makes the slot and its publication (idempotent);
 * `drop` refuses a slot a relay reads unless `--force`. Exits 2 for a bad command line.
 */
import { ValidationError } from '../errors.js';
import { toExecutor } from '../postgres/driver/executor.js';
import { WalError } from '../postgres/wal/errors.js';
import { readWalServer, serverRefusal, serverWarnings } from '../postgres/wal/preflight.js';
import { createSlot, dropSlot } from '../postgres/wal/slot.js';
import { DEFAULT_SLOT } from '../postgres/wal/slot-options.js';
import {
  formatBytes,
  invalidated,
  readSlot,
  type SlotStatus,
} from '../postgres/wal/slot-status.js';
import { type CommandIo, invocationOf, parseFlags, UsageError } from './flags.js';

export const SLOT_USAGE = `usage: eventrail slot <status|create|drop> [--slot NAME] [--url URL] [options]
  status       the slot's facts, one a line: reader, positions, lag and retained WAL, wal_status;
               exits 1 when the slot is missing or the server invalidated it
  create       make the slot (pgoutput) and its publication, unless they exist
  drop         drop the slot (the server then keeps no WAL for it); refused while a relay reads it
  --slot       the replication slot (default: ${DEFAULT_SLOT})
  --publication  create: the publication it is read with (default: the slot's name, as the relay asks)
  --failover   create: a failover slot, kept on a standby with sync_replication_slots (PostgreSQL 17+)
  --force      drop: end the relay reading the slot first
  --url        connection string (default: $DATABASE_URL)`;

const FLAGS = {
  slot: { type: 'string' },
  publication: { type: 'string' },
  failover: { type: 'boolean' },
  force: { type: 'boolean' },
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const ACTIONS = ['status', 'create', 'drop'] as const;

interface SlotInvocation {
  readonly action: (typeof ACTIONS)[number];
  readonly url: string;
  readonly slot: string;
  readonly publication: string | undefined;
  readonly failover: boolean;
  readonly force: boolean;
}

/** Reads the arguments after `eventrail slot`; throws a {@link UsageError} naming the flag. */
export function readSlotCommandLine(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): SlotInvocation | 'help' {
  const { values, positionals } = parseFlags(args, FLAGS, 'slot');
  if (values.help === true) return 'help';
  const action = positionals[0] as SlotInvocation['action'];
  if (positionals.length !== 1 || !ACTIONS.includes(action)) {
    throw new UsageError(`expected one action of ${ACTIONS.join(', ')}`);
  }
  const only = (flag: 'publication' | 'failover' | 'force', of: SlotInvocation['action']) => {
    if (values[flag] !== undefined && action !== of) {
      throw new UsageError(`--${flag} does not apply to ${action}`);
    }
  };
  only('publication', 'create');
  only('failover', 'create');
  only('force', 'drop');
  const url = values.url ?? env.DATABASE_URL;
  if (!url) throw new UsageError('DATABASE_URL is not set and --url is missing');
  return {
    action,
    url,
    slot: values.slot ?? DEFAULT_SLOT,
    publication: values.publication,
    failover: values.failover === true,
    force: values.force === true,
  };
}

const bytes = (n: number | null) => (n === null ? 'unknown' : `${formatBytes(n)} (${n} bytes)`);

/** The slot's facts, one a line. */
function describeSlot(s: SlotStatus): string[] {
  if (!s.exists) return [`slot: ${s.slot}`, 'exists: no'];
  const reader = s.active ? `yes (process ${s.activePid})` : 'no: no relay reads it';
  return [
    `slot: ${s.slot}`,
    'exists: yes',
    `database: ${s.database}`,
    `plugin: ${s.plugin}`,
    `active: ${reader}`,
    `confirmed flush LSN: ${s.confirmedFlushLsn ?? 'none'}`,
    `restart LSN: ${s.restartLsn ?? 'none'}`,
    `wal_status: ${s.walStatus ?? 'unknown'}`,
    `lag: ${bytes(s.lagBytes)} of WAL written since the confirmed position`,
    `lag seconds: ${s.lagSeconds === null ? 'not measured (Postgres measures it only while a relay reads and confirms)' : s.lagSeconds.toFixed(3)}`,
    ...(s.replyAgeSeconds === null
      ? []
      : [`last reply from the reader: ${s.replyAgeSeconds.toFixed(1)} s ago`]),
    `retained WAL: ${bytes(s.retainedBytes)}`,
    ...(s.failover === null ? [] : [`failover: ${s.failover ? 'yes' : 'no'}`]),
    ...(s.invalidationReason === null ? [] : [`invalidated: ${s.invalidationReason}`]),
  ];
}

/** `slot status`: every fact, then the warnings and the refusals; 1 when missing or invalidated. */
async function status(url: string, slot: string, io: CommandIo): Promise<number> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pool.on('error', () => {});
  try {
    const db = toExecutor(pool);
    const server = await readWalServer(db);
    const s = await readSlot(db, slot);
    const keep = server.keepSizeMb < 0 ? 'unlimited (-1)' : `${server.keepSizeMb} MB`;
    const lines = [
      ...describeSlot(s),
      `wal_level: ${server.walLevel}`,
      `max_slot_wal_keep_size: ${keep}`,
    ];
    for (const w of serverWarnings(server, s)) lines.push(`warning: ${w.message}`);
    const refused = serverRefusal(server) ?? invalidated(s);
    if (refused) lines.push(`error: ${refused.message}`);
    io.stdout.write(`${lines.join('\n')}\n`);
    return s.exists && invalidated(s) === undefined ? 0 : 1;
  } finally {
    await pool.end();
  }
}

/** Runs `eventrail slot` with `args`; resolves with the exit code. */
export async function slotCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: CommandIo = process,
): Promise<number> {
  const invocation = invocationOf(() => readSlotCommandLine(args, env), SLOT_USAGE, io);
  if (typeof invocation === 'number') return invocation;
  const { action, url, slot } = invocation;
  try {
    if (action === 'status') return await status(url, slot, io);
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    pool.on('error', () => {});
    try {
      io.stdout.write(`${await change(invocation, pool)}\n`);
      return 0;
    } finally {
      await pool.end();
    }
  } catch (error) {
    if (error instanceof ValidationError) {
      const reason = error.message.slice(error.field.length + 2);
      io.stderr.write(`eventrail: --${error.field.replace(/^options\./, '')}: ${reason}\n`);
      return 2;
    }
    if (!(error instanceof WalError)) throw error;
    io.stderr.write(`eventrail: ${error.message}\n`);
    return 1;
  }
}

/** `slot create` and `slot drop`: what was done, in words. */
async function change(i: SlotInvocation, db: import('pg').Pool): Promise<string> {
  if (i.action === 'drop') {
    const { dropped, terminatedPid } = await dropSlot({ db, slot: i.slot, force: i.force });
    if (!dropped) return `no slot ${i.slot}; nothing done`;
    const ended = terminatedPid === null ? '' : ` (its reader, process ${terminatedPid}, ended)`;
    return `dropped slot ${i.slot}${ended}`;
  }
  const created = await createSlot({
    db,
    slot: i.slot,
    failover: i.failover,
    ...(i.publication === undefined ? {} : { publication: i.publication }),
  });
  return [
    created.created ? `created slot ${i.slot} (pgoutput)` : `slot ${i.slot} exists; kept as is`,
    created.publicationCreated
      ? `created publication ${created.publication}`
      : `publication ${created.publication} exists; kept as is`,
    ...created.warnings.map((w) => `warning: ${w.message}`),
  ].join('\n');
}
