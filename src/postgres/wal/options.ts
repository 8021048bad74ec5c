import { ValidationError } from '../../errors.js';
import { closeTimeoutSpec } from '../../lifecycle/close.js';
import { instanceId } from '../../lifecycle/instance.js';
import { type LifecycleLog, logSpec } from '../../lifecycle/log.js';
import { defineOptions, type Resolved } from '../../options/schema.js';
import { boolean, integer, text } from '../../options/spec.js';
import { type Backoff, type BackoffOptions, backoffSpec } from '../../retry/backoff.js';
import type { Sink } from '../../sinks/sink.js';
import { type PublishFunction, targetSinks, targetSpecs } from '../../sinks/targets.js';
import { dbSpec, unwrapDatabase } from '../driver/executor.js';
import type { PgDatabase } from '../driver/types.js';
import { schemaSpec } from '../sql/names.js';
import { connectionSpec, type ReplicationConnection, slotSpec } from './replication.js';
import { DEFAULT_SLOT } from './slot-options.js';

/** Options of {@link WalRelay}. */
export interface WalRelayOptions {
  /**
   * A `pg` Pool or Client (or a drizzle database on one) for the relay's ordinary statements:
   * the checks at start, creating the slot and the publication. Never ended by the relay.
   */
  readonly db: PgDatabase;
  /**
   * Where the replication connection goes (a connection string or a `pg` client config); the
   * role needs `REPLICATION`. A connection behind a transaction-pooling proxy cannot replicate:
   * give the server's own address here.
   * @default the connection parameters of `db`
   */
  readonly connection?: ReplicationConnection;
  /**
   * The logical replication slot (plugin `pgoutput`) the relay reads, and the name of the
   * publication it asks for (one with no tables: messages need none). Relays of one slot share
   * its work: one reads, the others stand by.
   * @default 'eventrail_outbox'
   */
  readonly slot?: string;
  /** Postgres schema the `OutboxWriter`s write for: the relay takes messages `eventrail:<schema>`. @default 'eventrail' */
  readonly schema?: string;
  /**
   * Create the slot and the publication at `start()` when they are missing. A slot created
   * begins at the server's current position: events committed before it are not relayed.
   * @default true
   */
  readonly createSlot?: boolean;
  /**
   * Where events go, as for `OutboxPublisher`: an event is delivered when every sink has taken
   * it. The relay closes them on `close()`. Give `sinks` or `publish`.
   * @default none (give `sinks` or `publish`)
   */
  readonly sinks?: readonly Sink[];
  /** A function to publish with, instead of `sinks`. @default none (give `sinks` or `publish`) */
  readonly publish?: PublishFunction;
  /** Lifecycle messages (started, active, standing by, reconnecting, closed). @default none (silent) */
  readonly log?: LifecycleLog;
  /** This relay's name in logs; at most 200 characters. @default '<hostname>:<pid>:<4 random hex bytes>' */
  readonly id?: string;
  /**
   * Most events handed to the sinks in one write. Transactions queued behind each other go out
   * together up to this many events; a larger transaction goes out in several writes, and is
   * confirmed after the last.
   * @default 1000
   */
  readonly maxBatchSize?: number;
  /**
   * How often a relay standing by tries to take the slot, in milliseconds: it takes over within
   * about this long after the reading relay's connection ends (a process that dies ends it at
   * once; a host that vanishes, after the server's `wal_sender_timeout`).
   * @default 1000
   */
  readonly standbyRetryMs?: number;
  /**
   * Retry of a batch a sink failed: after each failure the backoff's delay, in milliseconds.
   * Nothing past the batch is confirmed meanwhile. When the retries run out, the relay gives up
   * the slot and reads it again from the last confirmed position (the batch comes again).
   * Fields not given keep their default.
   * @default { retries: Infinity, minDelayMs: 100, maxDelayMs: 30000, factor: 2, jitter: 'equal' }
   */
  readonly retry?: BackoffOptions;
  /** Deadline of `close()` when the call gives none, in milliseconds. @default 10000 */
  readonly closeTimeoutMs?: number;
}

const RETRY: Backoff = {
  retries: Number.POSITIVE_INFINITY,
  minDelayMs: 100,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 'equal',
};

const specs = {
  db: dbSpec(),
  connection: connectionSpec().optional('the connection parameters of `db`'),
  slot: slotSpec().default(DEFAULT_SLOT),
  schema: schemaSpec(),
  createSlot: boolean().default(true),
  ...targetSpecs(),
  log: logSpec(),
  id: text({ maxLength: 200 }).optional("'<hostname>:<pid>:<4 random hex bytes>'"),
  maxBatchSize: integer({ min: 1 }).default(1000),
  standbyRetryMs: integer({ min: 1 }).default(1000),
  retry: backoffSpec(RETRY),
  closeTimeoutMs: closeTimeoutSpec(),
};

/** {@link WalRelayOptions} as a table of specs. @internal */
export const walRelayOptions = defineOptions<WalRelayOptions>()('WalRelayOptions', specs);

/** The relay's options, every one resolved. @internal */
export interface ResolvedRelayOptions
  extends Omit<Resolved<typeof specs>, 'id' | 'sinks' | 'publish' | 'connection'> {
  readonly id: string;
  readonly sinks: readonly Sink[];
  readonly connection: ReplicationConnection;
}

/** The connection parameters of a `pg` Pool (its options) or Client; undefined for others. */
function connectionOf(db: PgDatabase): ReplicationConnection | undefined {
  const client = unwrapDatabase(db, 'options.db') as {
    options?: Record<string, unknown>;
    connectionParameters?: Record<string, unknown>;
  };
  if ('totalCount' in client && client.options) return client.options;
  const p = client.connectionParameters;
  if (!p) return undefined;
  const { user, password, host, port, database, ssl } = p;
  return { user, password, host, port, database, ssl };
}

/** Resolves the options; throws a {@link ValidationError} naming the first bad one. @internal */
export function resolveRelayOptions(options: WalRelayOptions): ResolvedRelayOptions {
  const { id, sinks, publish, connection, ...rest } = walRelayOptions.resolve(options);
  const replication = connection ?? connectionOf(rest.db);
  if (replication === undefined) {
    throw new ValidationError(
      'options.connection',
      'VALIDATION_REQUIRED',
      'is needed when db is not a pg Pool or Client (a replication connection of its own)',
    );
  }
  return {
    ...rest,
    id: id ?? instanceId(),
    sinks: targetSinks({ sinks, publish }, 'options'),
    connection: replication,
  };
}
