import type { ValidationError } from '../../errors.js';
import { defineOptions } from '../../options/schema.js';
import type { PurgeOptions } from '../driver/chunks.js';
import { dbSpec, toExecutor } from '../driver/executor.js';
import type { Executor, PgDatabase } from '../driver/types.js';
import { schemaSpec, tableNames } from '../sql/names.js';
import { type OutboxSql, outboxSql } from '../sql/outbox.js';
import * as maintenance from './maintenance.js';

/** Options of {@link OutboxAdmin}. */
export interface OutboxAdminOptions {
  /** The database: a `pg` Pool or Client, a PGlite instance, or a drizzle database. Never closed by eventrail. */
  readonly db: PgDatabase;
  /** Postgres schema of the outbox table, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
}

/** {@link OutboxAdminOptions} as a table of specs. @internal */
export const outboxAdminOptions = defineOptions<OutboxAdminOptions>()('OutboxAdminOptions', {
  db: dbSpec(),
  schema: schemaSpec(),
});

/**
 * The outbox's maintenance, apart from any publisher: an operations script, a cron job or an
 * admin endpoint needs only the database. Each method is one or a few statements on `db`; the
 * admin holds no connection and needs no closing.
 *
 * @example
 * ```ts
 * const admin = new OutboxAdmin({ db: pool });
 * await admin.reprocessFailed({ types: ['order_paid'] });
 * await admin.purgePublished({ olderThanMs: 7 * 24 * 3600 * 1000 });
 * ```
 */
export class OutboxAdmin {
  readonly #executor: Executor;
  readonly #sql: OutboxSql;

  constructor(options: OutboxAdminOptions) {
    const o = outboxAdminOptions.resolve(options);
    this.#executor = toExecutor(o.db, 'options.db');
    this.#sql = outboxSql(tableNames(o.schema, 'options.schema'));
  }

  /** Pending rows in the table (all publishers) and the age of the oldest (one query). */
  stats(): Promise<maintenance.OutboxStats> {
    return maintenance.outboxStats(this.#executor, this.#sql);
  }

  /** Row counts of the whole outbox by status and by event type (reads the whole table). */
  counts(): Promise<maintenance.OutboxCounts> {
    return maintenance.outboxCounts(this.#executor, this.#sql);
  }

  /**
   * Puts failed rows matching `filter` (all failed rows by default) back to pending, due now,
   * with `retry_count` 0 (`last_error` is kept), and wakes the publishers. Resolves with how
   * many. Rejects with a {@link ValidationError} (field `filter.…`) for a malformed filter or an
   * unknown key.
   */
  async reprocessFailed(filter?: maintenance.ReprocessFilter): Promise<number> {
    return maintenance.reprocessFailed(this.#executor, this.#sql, filter);
  }

  /**
   * Deletes rows published more than `olderThanMs` milliseconds ago, a few thousand per
   * statement; resolves with how many. Rejects with a {@link ValidationError} for bad options.
   */
  async purgePublished(options: PurgeOptions): Promise<number> {
    return maintenance.purgePublished(this.#executor, this.#sql, options);
  }
}
