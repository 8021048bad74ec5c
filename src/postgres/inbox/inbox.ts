import { ValidationError } from '../../errors.js';
import { isUuid } from '../../event/uuid.js';
import { defineOptions } from '../../options/schema.js';
import { text } from '../../options/spec.js';
import { deleteInChunks, type PurgeOptions, purgeOptions } from '../driver/chunks.js';
import { dbSpec, toExecutor } from '../driver/executor.js';
import { inTransaction, type OutboxTransaction } from '../driver/transaction.js';
import type { Executor, PgDatabase } from '../driver/types.js';
import { inboxSql } from '../sql/inbox.js';
import { schemaSpec, tableNames } from '../sql/names.js';

/** Options of {@link Inbox}. */
export interface InboxOptions {
  /** Postgres schema of the `event_inbox` table, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /**
   * Name of the consumer. Each consumer keeps its own record, so two services (or two handlers)
   * sharing a database each handle an event once. @default 'default'
   */
  readonly consumer?: string;
  /** Database for {@link Inbox.purge} (never ended by the inbox). @default none (no purge) */
  readonly db?: PgDatabase;
}

/** What an {@link Inbox} saw, as `metrics()` returns it (since the inbox was made). */
export interface InboxMetrics {
  /** Events whose work ran (first seen); counted when the work resolved. */
  readonly handled: number;
  /** Events seen before (redeliveries), whose work did not run again. */
  readonly duplicates: number;
}

/** {@link InboxOptions} as a table of specs. @internal */
export const inboxOptions = defineOptions<InboxOptions>()('InboxOptions', {
  schema: schemaSpec(),
  consumer: text().default('default'),
  db: dbSpec().optional('none (no purge)'),
});

/** The defaults of {@link InboxOptions}. */
export const DEFAULT_INBOX_OPTIONS = Object.freeze(inboxOptions.defaults) as Readonly<
  Required<Omit<InboxOptions, 'db'>>
>;

/**
 * Exactly-once effects for a consumer of at-least-once deliveries (a broker, the outbox): the
 * event id is recorded in `event_inbox` in the consumer's own transaction, and the work runs
 * only the first time that id is seen. A redelivered copy, even one handled at the same moment
 * in another transaction, waits for the first one's outcome and then does nothing; if the first
 * transaction rolls back, its record goes with it and a later copy runs the work.
 *
 * @example
 * ```ts
 * const inbox = new Inbox({ consumer: 'billing' });
 * await db.transaction(async (tx) => {
 *   await inbox.handle(tx, event, () => tx.update(counters).set({ n: sql`n + 1` }));
 * });
 * // then acknowledge the message
 * ```
 */
export class Inbox {
  /** The consumer whose record this inbox keeps. */
  readonly consumer: string;
  readonly #sql: ReturnType<typeof inboxSql>;
  readonly #db: Executor | undefined;
  #handled = 0;
  #duplicates = 0;

  constructor(options?: InboxOptions) {
    const o = inboxOptions.resolve(options);
    this.#sql = inboxSql(tableNames(o.schema, 'options.schema'));
    this.consumer = o.consumer;
    this.#db = o.db === undefined ? undefined : toExecutor(o.db, 'options.db');
  }

  /** What this inbox saw since it was made (synchronous). */
  metrics(): InboxMetrics {
    return { handled: this.#handled, duplicates: this.#duplicates };
  }

  /**
   * Records `event`'s id (an event or its id, a UUID) for this consumer on `tx`, then runs `work`
   * if the id was new. Resolves `true` when `work` ran, `false` for an event handled before.
   * Never commits or rolls back: commit after it, and roll back when `work` throws (which
   * rejects `handle`), so that the record and the effect stay together. Rejects with a
   * {@link ValidationError} (field `event.id` or `tx`) before touching `tx` on bad input.
   */
  async handle(
    tx: OutboxTransaction,
    event: string | { readonly id: string },
    work: () => unknown,
  ): Promise<boolean> {
    const id = typeof event === 'string' ? event : event?.id;
    if (typeof id !== 'string' || !isUuid(id)) {
      throw new ValidationError('event.id', 'VALIDATION_RANGE', 'must be a UUID (the event id)');
    }
    if (typeof work !== 'function') {
      throw new ValidationError('work', 'VALIDATION_TYPE', 'must be a function');
    }
    const result = (await inTransaction(tx)(this.#sql.record, [this.consumer, id])) as {
      rows?: readonly unknown[];
    };
    if ((result?.rows?.length ?? 0) === 0) {
      this.#duplicates += 1;
      return false;
    }
    await work();
    this.#handled += 1;
    return true;
  }

  /**
   * Deletes this consumer's records of events handled more than `olderThanMs` milliseconds ago,
   * in chunks; resolves with how many. Keep records longer than any redelivery can arrive (the
   * broker's and the outbox's retry horizon): a copy that comes after its record is gone runs
   * the work again. Rejects with a {@link ValidationError} for bad options, or (field
   * `options.db`) when the inbox was made without `db`.
   */
  async purge(options: PurgeOptions): Promise<number> {
    const { olderThanMs } = purgeOptions.resolve(options);
    if (this.#db === undefined) {
      throw new ValidationError('options.db', 'VALIDATION_REQUIRED', 'purge needs the inbox db');
    }
    return deleteInChunks(this.#db, this.#sql.purge, Date.now() - olderThanMs, this.consumer);
  }
}
