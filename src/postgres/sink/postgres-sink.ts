import type { EventRecord } from '../../event/types.js';
import { defineOptions } from '../../options/schema.js';
import { text } from '../../options/spec.js';
import type { PipelineOptions } from '../../sinks/pipeline-options.js';
import type { Sink, SinkErrorKind } from '../../sinks/sink.js';
import { type CopyIn, copyInFor } from '../driver/copy.js';
import { dbSpec, toExecutor, unwrapDatabase } from '../driver/executor.js';
import type { Executor, PgDatabase } from '../driver/types.js';
import { copyEventLogsSql, insertEventLogsSql } from '../sql/event-logs.js';
import { eventRowsCopy, eventRowsJson, isTraced } from '../sql/event-rows.js';
import { schemaSpec, tableNames } from '../sql/names.js';
import { classifyPostgresError } from './classify.js';

/** Options of {@link PostgresSink}. */
export interface PostgresSinkOptions {
  /**
   * A `pg` Pool (recommended: batches then go by COPY), a `pg` Client, a PGlite instance, or a
   * drizzle database. Never closed by the sink.
   */
  readonly db: PgDatabase;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /** Sink name in metrics and summaries. @default 'postgres' */
  readonly name?: string;
}

/** {@link PostgresSinkOptions} as a table of specs. @internal */
export const postgresSinkOptions = defineOptions<PostgresSinkOptions>()('PostgresSinkOptions', {
  db: dbSpec(),
  schema: schemaSpec(),
  name: text().default('postgres'),
});

/** SQLSTATE unique_violation: a COPY met a row whose key exists (or twice in its batch). */
const UNIQUE_VIOLATION = '23505';

/**
 * Writes batches into `event_logs` with one statement per batch. On a `pg` Pool a batch goes as
 * one `COPY ... FROM STDIN` (text format), the cheapest way into Postgres, which writes all rows
 * or none. When COPY meets a key that exists (23505: a retry of a batch that was written after
 * all, an outbox redelivery, an id given twice), the batch goes instead as one
 * `INSERT ... SELECT FROM json_to_recordset($1)` (the rows as a single JSON parameter) with
 * `ON CONFLICT DO NOTHING` on the key `(id, created_at)`, so a retried batch never duplicates a row (an event's
 * `created_at` is fixed at intake); a `pg` Client, PGlite and drizzle databases always take the
 * INSERT. Either statement fires the table's statement-level triggers once per batch. Errors are
 * classified by SQLSTATE: connection loss, shutdowns, deadlocks and serialization failures are
 * retried; data errors (classes 22, 23) make the logger split the batch and hand only the
 * refused rows to the fallback.
 */
export class PostgresSink implements Sink {
  readonly name: string;
  /**
   * Two writes in flight: Postgres commits them in parallel on two connections, which nearly
   * doubles throughput on a busy server (see docs/performance.md). Batches may then commit
   * out of order; rows are ordered by `created_at` on read, so nothing depends on it.
   */
  readonly defaults: PipelineOptions = { writesInFlight: 2 };
  readonly #executor: Executor;
  /** COPY on the host's `pg` Pool; undefined on anything else, or once its clients proved unable. */
  #copy: CopyIn | undefined;
  /** The insert of an untraced batch, and of one that carries trace context. */
  readonly #inserts: readonly [string, string];
  /** The same two as COPY statements. */
  readonly #copies: readonly [string, string];

  constructor(options: PostgresSinkOptions) {
    const o = postgresSinkOptions.resolve(options);
    this.name = o.name;
    this.#executor = toExecutor(o.db, 'options.db');
    this.#copy = copyInFor(unwrapDatabase(o.db, 'options.db'));
    const names = tableNames(o.schema, 'options.schema');
    this.#inserts = [insertEventLogsSql(names, false), insertEventLogsSql(names, true)];
    this.#copies = [copyEventLogsSql(names, false), copyEventLogsSql(names, true)];
  }

  async write(batch: readonly EventRecord[]): Promise<void> {
    const traced = isTraced(batch) ? 1 : 0;
    if (this.#copy !== undefined && (await this.#copied(batch, traced))) return;
    await this.#executor.query(this.#inserts[traced], [eventRowsJson(batch)]);
  }

  classifyError(error: unknown): SinkErrorKind {
    return classifyPostgresError(error);
  }

  /** Tries the batch as one COPY; false when the INSERT must write it (nothing was written). */
  async #copied(batch: readonly EventRecord[], traced: 0 | 1): Promise<boolean> {
    const data = eventRowsCopy(batch, traced === 1);
    if (data === undefined) return false;
    try {
      if (await (this.#copy as CopyIn)(this.#copies[traced], data)) return true;
      this.#copy = undefined; // pg-native or pipeline mode: no COPY on this pool, ever
      return false;
    } catch (error) {
      if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) return false;
      throw error;
    }
  }
}
