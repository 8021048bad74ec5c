import type { EventCatalog, EventOf } from '../../catalog/catalog.js';
import { catalogSpec } from '../../catalog/option.js';
import type { ValidationError } from '../../errors.js';
import { maxPayloadBytesSpec, toEventRecord } from '../../event/normalize.js';
import type { EventInput, EventRecord } from '../../event/types.js';
import { defineOptions } from '../../options/schema.js';
import { boolean, oneOf } from '../../options/spec.js';
import { inTransaction, type OutboxTransaction } from '../driver/transaction.js';
import { eventRowsJson, isTraced } from '../sql/event-rows.js';
import { schemaSpec, tableNames } from '../sql/names.js';
import { outboxSql } from '../sql/outbox.js';
import { walPrefix, walSql } from '../sql/wal.js';

/**
 * Where {@link OutboxWriter} puts events:
 * - `table`: pending rows of `event_outbox`, published by an {@link OutboxPublisher}.
 * - `wal`: transactional logical messages (`pg_logical_emit_message(true, 'eventrail:<schema>',
 *   <event>)`), written to the WAL only, relayed by a `WalRelay` from its replication slot. Needs
 *   `wal_level = logical`; nothing is written to `event_outbox`.
 */
export type OutboxTransport = 'table' | 'wal';

/** Options of {@link OutboxWriter}. */
export interface OutboxWriterOptions<TCatalog extends EventCatalog | undefined = undefined> {
  /** Postgres schema of the outbox table, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /** Largest payload accepted, in bytes of serialized JSON. @default 262144 (256 KiB) */
  readonly maxPayloadBytes?: number;
  /**
   * Also `pg_notify` the schema's outbox channel in the same statement, so that publishers wake
   * when the transaction commits (Postgres delivers notifications on commit only, once per
   * transaction). Turn it off when commits are so frequent that Postgres' notification queue,
   * which serializes notifying commits, would cost more than polling. Not used by the `wal`
   * transport (the relay reads the WAL as it is written).
   * @default true
   */
  readonly notify?: boolean;
  /**
   * The application's event catalog (`defineCatalog`): `write` then accepts only its types, with
   * their payload types at compile time and their schemas at run time. @default none
   */
  readonly catalog?: TCatalog;
  /**
   * Where events go (see {@link OutboxTransport}): rows of `event_outbox` for an
   * `OutboxPublisher`, or logical messages in the WAL for a `WalRelay`. Both are written in the
   * caller's transaction and rolled back with it; a relay delivers the same `EventRecord` a
   * publisher does.
   * @default 'table'
   */
  readonly transport?: OutboxTransport;
}

/** {@link OutboxWriterOptions} as a table of specs. @internal */
export const outboxWriterOptions = defineOptions<OutboxWriterOptions<EventCatalog | undefined>>()(
  'OutboxWriterOptions',
  {
    schema: schemaSpec(),
    maxPayloadBytes: maxPayloadBytesSpec(),
    notify: boolean().default(true),
    catalog: catalogSpec(),
    transport: oneOf(['table', 'wal'] as const).default('table'),
  },
);

/**
 * Writes events into `event_outbox` (or, with `transport: 'wal'`, into the WAL as logical
 * messages) inside the caller's own transaction: they exist if and only if that transaction
 * commits, and an {@link OutboxPublisher} (a `WalRelay`) delivers them afterwards, at least
 * once. Events are validated exactly as `EventLogger.logEvent` validates them; the outbox row id
 * is the event id that consumers receive.
 *
 * @example
 * ```ts
 * const outbox = new OutboxWriter();
 * await db.transaction(async (tx) => {
 *   await tx.insert(messages).values(message);
 *   await outbox.write(tx, { type: 'message_created', userId, aggregateId: chatId, payload });
 * });
 * ```
 */
export class OutboxWriter<TCatalog extends EventCatalog | undefined = undefined> {
  /** The insert of an untraced batch, and of one that carries trace context. */
  readonly #inserts: readonly [string, string];
  /** The prefix of the WAL messages, with the `wal` transport. */
  readonly #walPrefix: string | undefined;
  readonly #normalize: { readonly maxPayloadBytes: number };
  readonly #catalog: EventCatalog | undefined;

  constructor(options?: OutboxWriterOptions<TCatalog>) {
    const o = outboxWriterOptions.resolve(options);
    this.#catalog = o.catalog;
    this.#normalize = { maxPayloadBytes: o.maxPayloadBytes };
    const names = tableNames(o.schema, 'options.schema');
    const sql = outboxSql(names);
    this.#inserts = [sql.insert(o.notify, false), sql.insert(o.notify, true)];
    this.#walPrefix = o.transport === 'wal' ? walPrefix(names) : undefined;
  }

  /**
   * Validates the event(s), then writes them with one statement on `tx`: pending rows (and a
   * notification of publishers, delivered on commit), or with the `wal` transport one logical
   * message each. Never commits or rolls back. Resolves with the
   * event id, or the ids in order for a list. Rejects with a {@link ValidationError} before
   * touching `tx` when an event is invalid (a list is written all or none; the error's field
   * starts with the index, `[3].userId`) or when `tx` cannot be an open transaction. A
   * database error rejects as the driver's error, and the caller's transaction is then aborted.
   */
  write(tx: OutboxTransaction, event: EventOf<TCatalog>): Promise<string>;
  write(tx: OutboxTransaction, events: readonly EventOf<TCatalog>[]): Promise<string[]>;
  write(
    tx: OutboxTransaction,
    eventOrEvents: EventOf<TCatalog> | readonly EventOf<TCatalog>[],
  ): Promise<string | string[]> {
    const list = Array.isArray(eventOrEvents);
    const inputs = (list ? eventOrEvents : [eventOrEvents]) as readonly EventInput[];
    try {
      const prepared = this.#catalog ? this.#catalog.prepareAll(inputs, list) : inputs;
      return prepared instanceof Promise
        ? prepared.then((ready) => this.#insertAll(tx, ready, list))
        : this.#insertAll(tx, prepared, list);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #insertAll(
    tx: OutboxTransaction,
    inputs: readonly EventInput[],
    list: boolean,
  ): Promise<string | string[]> {
    let records: EventRecord[];
    let run: ReturnType<typeof inTransaction>;
    try {
      records = inputs.map((e, i) => toEventRecord(e, this.#normalize, list ? `[${i}].` : ''));
      run = inTransaction(tx);
    } catch (error) {
      return Promise.reject(error);
    }
    const ids = records.map((r) => r.id);
    const result = list ? ids : (ids[0] as string);
    if (records.length === 0) return Promise.resolve(result);
    const rows = eventRowsJson(records);
    const written =
      this.#walPrefix === undefined
        ? run(this.#inserts[isTraced(records) ? 1 : 0], [rows])
        : run(walSql.emit, [this.#walPrefix, rows]);
    return written.then(() => result);
  }
}
