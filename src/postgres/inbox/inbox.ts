import { ValidationError } from '../../errors.js';
import { isUuid } from '../../event/uuid.js';
import { cutoffOption } from '../../options/validate.js';
import { deleteInChunks } from '../driver/chunks.js';
import { toExecutor } from '../driver/executor.js';
import { inTransaction, type OutboxTransaction } from '../driver/transaction.js';
import type { Executor, PgDatabase } from '../driver/types.js';
import { DEFAULT_SCHEMA } from '../schema/constants.js';
import { inboxSql } from '../sql/inbox.js';
import { tableNames } from '../sql/names.js';

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

/** Options of {@link Inbox.purge}. */
export interface InboxPurgeOptions {
  /** Delete the records of events handled before this Date, or more than this many ms ago. */
  readonly olderThan: Date | number;
}

/** The defaults of {@link InboxOptions}. */
export const DEFAULT_INBOX_OPTIONS = Object.freeze({ schema: DEFAULT_SCHEMA, consumer: 'default' });

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

  constructor(options: InboxOptions = {}) {
    this.#sql = inboxSql(tableNames(options.schema, 'options.schema'));
    const consumer = options.consumer ?? DEFAULT_INBOX_OPTIONS.consumer;
    if (typeof consumer !== 'string' || consumer.length === 0) {
      throw new ValidationError(
        'options.consumer',
        'VALIDATION_REQUIRED',
        'must be a non-empty string',
      );
    }
    this.consumer = consumer;
    this.#db = options.db === undefined ? undefined : toExecutor(options.db, 'options.db');
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
    if ((result?.rows?.length ?? 0) === 0) return false;
    await work();
    return true;
  }

  /**
   * Deletes this consumer's records of events handled before `olderThan`, in chunks; resolves
   * with how many. Keep records longer than any redelivery can arrive (the broker's and the
   * outbox's retry horizon): a copy that comes after its record is gone runs the work again.
   */
  async purge(options: InboxPurgeOptions): Promise<number> {
    if (this.#db === undefined) {
      throw new ValidationError('options.db', 'VALIDATION_REQUIRED', 'purge needs the inbox db');
    }
    const before = cutoffOption(options?.olderThan, 'olderThan');
    return deleteInChunks(this.#db, this.#sql.purge, before, this.consumer);
  }
}
