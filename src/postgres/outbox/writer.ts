import type { EventCatalog, EventOf } from '../../catalog/catalog.js';
import { catalogSpec } from '../../catalog/option.js';
import type { ValidationError } from '../../errors.js';
import { maxPayloadBytesSpec, toEventRecord } from '../../event/normalize.js';
import type { EventInput, EventRecord } from '../../event/types.js';
import { defineOptions } from '../../options/schema.js';
import { boolean } from '../../options/spec.js';
import { inTransaction, type OutboxTransaction } from '../driver/transaction.js';
import { eventRowsJson, isTraced } from '../sql/event-rows.js';
import { schemaSpec, tableNames } from '../sql/names.js';
import { outboxSql } from '../sql/outbox.js';

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
   * which serializes notifying commits, would cost more than polling.
   * @default true
   */
  readonly notify?: boolean;
  /**
   * The application's event catalog (`defineCatalog`): `write` then accepts only its types, with
   * their payload types at compile time and their schemas at run time. @default none
   */
  readonly catalog?: TCatalog;
}

/** {@link OutboxWriterOptions} as a table of specs. @internal */
export const outboxWriterOptions = defineOptions<OutboxWriterOptions<EventCatalog | undefined>>()(
  'OutboxWriterOptions',
  {
    schema: schemaSpec(),
    maxPayloadBytes: maxPayloadBytesSpec(),
    notify: boolean().default(true),
    catalog: catalogSpec(),
  },
);

/**
 * Writes events into `event_outbox` inside the caller's own transaction: they exist if and only
 * if that transaction commits, and an {@link OutboxPublisher} delivers them afterwards, at least
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
  readonly #normalize: { readonly maxPayloadBytes: number };
  readonly #catalog: EventCatalog | undefined;

  constructor(options?: OutboxWriterOptions<TCatalog>) {
    const o = outboxWriterOptions.resolve(options);
    this.#catalog = o.catalog;
    this.#normalize = { maxPayloadBytes: o.maxPayloadBytes };
    const sql = outboxSql(tableNames(o.schema, 'options.schema'));
    this.#inserts = [sql.insert(o.notify, false), sql.insert(o.notify, true)];
  }

  /**
   * Validates the event(s), then inserts them as pending rows with one statement on `tx` (and
   * notifies publishers, delivered on commit). Never commits or rolls back. Resolves with the
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
    const insert = this.#inserts[isTraced(records) ? 1 : 0];
    return run(insert, [eventRowsJson(records)]).then(() => result);
  }
}
