import { ValidationError } from '../../errors.js';
import { closeTimeoutSpec } from '../../lifecycle/close.js';
import { type LifecycleLog, logSpec } from '../../lifecycle/log.js';
import { defineOptions } from '../../options/schema.js';
import { abortSignal, boolean, custom, integer, oneOf, text } from '../../options/spec.js';
import { checkShape, cursorSecretSpec } from '../cursor/codec.js';
import { dbSpec } from '../driver/executor.js';
import type { PgDatabase } from '../driver/types.js';
import { date } from '../read/specs.js';
import { schemaSpec } from '../sql/names.js';
import { connectionSpec } from '../wal/replication.js';

/** Options of {@link EventStream}. */
export interface EventStreamOptions {
  /**
   * A `pg` Pool (recommended: one of its connections LISTENs, for all subscribers), a `pg`
   * Client or a PGlite instance, or a drizzle database on one of them. Never closed.
   */
  readonly db: PgDatabase;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /**
   * Secret that signs cursors, as `EventQueries.cursorSecret`: give both the same one, so that a
   * list read's `nextCursor` starts a stream. At least 16 bytes.
   * @default a random secret per process
   */
  readonly cursorSecret?: string | Uint8Array;
  /**
   * Events one subscriber may have waiting, read but not yet taken. One that falls further
   * behind is ended with a `SubscriberLaggedError`. @default 1000
   */
  readonly bufferSize?: number;
  /** Rows per read, of the shared reader and of a subscriber's history. @default 500 */
  readonly readSize?: number;
  /**
   * Wake on NOTIFY over one connection of the pool, for all subscribers (reconnected with
   * backoff when lost). Without it (or with a single Client) only polling finds new rows.
   * With a pool, the shared read runs on that connection too, prepared, always with the one
   * plan that walks each partition's index (not planned again at every read over every
   * partition); while it is down, polls read through the pool, planned each time. Behind a
   * proxy that pools by transaction, which supports neither, set `listen: false`.
   * @default true
   */
  readonly listen?: boolean;
  /**
   * Milliseconds between reads when nothing wakes the reader: the safety net for a lost NOTIFY.
   * @default 1000
   */
  readonly pollIntervalMs?: number;
  /**
   * Deadline of `close()` when the call gives none, in milliseconds: how long it waits for the
   * LISTEN connection to be released and a read in flight to end. @default 10000
   */
  readonly closeTimeoutMs?: number;
  /**
   * Lifecycle messages (LISTEN connection up or lost, closed), e.g. a pino logger.
   * @default none (silent)
   */
  readonly log?: LifecycleLog;
  /**
   * Where live events come from: `'notify'` (a read of `event_logs` woken by NOTIFY, held back
   * by any transaction still open) or `'wal'` (its inserts from logical decoding, at commit, in
   * commit order, held back by nothing). `'notify'` reads in `(tx_id, id)` order below the
   * oldest transaction still open, so a long transaction holds every subscriber back. `'wal'`
   * streams the inserts into `event_logs` through a publication and a temporary logical
   * replication slot (needs `wal_level = logical`, a role with `REPLICATION`, and
   * `walConnection`); see the guide's "From the WAL" for its cursors.
   * @default 'notify'
   */
  readonly source?: 'notify' | 'wal';
  /**
   * With `source: 'wal'` (required then): the database to stream from, as a connection string
   * or a `pg` client config, for the replication connection the stream opens itself (the same
   * database as `db`).
   * @default none
   */
  readonly walConnection?: string | WalConnectionConfig;
  /**
   * With `source: 'wal'`: the publication of `event_logs`' inserts the slot streams, made at
   * the first subscription when there is none of that name (`FOR TABLE <schema>.event_logs
   * WITH (publish = 'insert', publish_via_partition_root = true)`; the role then needs to own
   * the table), or made by an operator ahead.
   * @default the schema's name and `_event_logs`
   */
  readonly publication?: string;
}

/**
 * A `pg` client config (`host`, `port`, `user`, `password`, `database`, `ssl`, ...), as
 * `new pg.Client(config)` takes it.
 */
export type WalConnectionConfig = { readonly [key: string]: unknown };

/**
 * Where a subscription starts: `'start'` (every event of its scope and filters that retention
 * still keeps, in commit order, then live), `'now'` (the events that commit after it starts), a
 * `Date` (the events created at or after it, then live), or a cursor (right after the event it
 * points at: a `StreamEvent.cursor`, a `StreamMarker.cursor`, `SubscriberLaggedError.cursor`, or
 * a `nextCursor` of an ascending `listEvents` read with the same scope and filters).
 */
export type SubscribeFrom = 'start' | 'now' | Date | (string & {});

/** Options of one {@link EventStream.subscribe} call. */
export interface SubscribeOptions {
  /**
   * Where it starts: `'start'` (every event still kept, in commit order, then live), `'now'`, a
   * `Date` (the events created at or after it, then live) or a cursor (right after its event; see
   * {@link SubscribeFrom}). A `Date` takes, history and live alike, only the events created at or
   * after it (as `filters.from` would; its cursors are those of the scope and filters given). A cursor or `Date` older than what retention kept (see
   * `maintain`) ends the subscription with a `CursorExpiredError` at its first `next()`, and so
   * does retention removing history it had yet to read: never a silent skip.
   * @default 'now': the events that commit after the subscription starts, at its first `next()`
   * (its `cursor` is defined from then on; an event committed before that is not delivered)
   */
  readonly from?: SubscribeFrom;
  /**
   * Also yield {@link StreamMarker}s: `caught-up` once every event that existed when it started
   * (every one that had committed then, even behind a transaction still open) was yielded, and
   * again after falling behind; `fell-behind` when
   * more than half of `bufferSize` events wait to be taken. `subscription.caughtUp` says the same
   * without them.
   * @default false
   */
  readonly markers?: boolean;
  /** Ends the subscription (its iteration finishes) when aborted. @default none */
  readonly signal?: AbortSignal;
}

/** {@link EventStreamOptions} as a table of specs. @internal */
export const eventStreamOptions = defineOptions<EventStreamOptions>()(
  'EventStreamOptions',
  {
    db: dbSpec(),
    schema: schemaSpec(),
    cursorSecret: cursorSecretSpec(),
    bufferSize: integer({ min: 1 }).default(1000),
    readSize: integer({ min: 1 }).default(500),
    listen: boolean().default(true),
    pollIntervalMs: integer({ min: 1 }).default(1000),
    closeTimeoutMs: closeTimeoutSpec(),
    log: logSpec(),
    source: oneOf(['notify', 'wal']).default('notify'),
    walConnection: connectionSpec().optional(),
    publication: text({
      pattern: /^[a-z_][a-z0-9_]{0,62}$/,
      accepts: 'a publication name',
    }).optional("the schema's name and `_event_logs`"),
  },
  (o, _given, field) => {
    if (o.source === 'wal' && o.walConnection === undefined) {
      throw new ValidationError(
        `${field}.walConnection`,
        'VALIDATION_REQUIRED',
        "is needed with source: 'wal'",
      );
    }
    return o;
  },
);

/** The defaults of {@link EventStreamOptions}. */
export const DEFAULT_EVENT_STREAM_OPTIONS = Object.freeze(eventStreamOptions.defaults) as Readonly<
  Required<
    Pick<
      EventStreamOptions,
      | 'schema'
      | 'bufferSize'
      | 'readSize'
      | 'listen'
      | 'pollIntervalMs'
      | 'closeTimeoutMs'
      | 'source'
    >
  >
>;

const FROM = "'start', 'now', a Date or a cursor";

/** {@link SubscribeOptions} as a table of specs. @internal */
export const subscribeOptions = defineOptions<SubscribeOptions>()('SubscribeOptions', {
  from: custom(FROM, (value, field): SubscribeFrom => {
    if (value instanceof Date) return date(value, field);
    if (value === 'start' || value === 'now') return value;
    if (typeof value !== 'string') {
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${FROM}`);
    }
    checkShape(value, field);
    return value;
  }).default('now'),
  markers: boolean().default(false),
  signal: abortSignal().optional(),
});
