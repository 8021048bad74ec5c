import type { EventRecord } from '../../event/types.js';
import type { PipelineOptions } from '../../sinks/pipeline-options.js';
import type { Sink, SinkErrorKind } from '../../sinks/sink.js';
import { toExecutor } from '../driver/executor.js';
import type { Executor, PgDatabase } from '../driver/types.js';
import { insertEventLogsSql } from '../sql/event-logs.js';
import { eventRowsJson, isTraced } from '../sql/event-rows.js';
import { tableNames } from '../sql/names.js';
import { classifyPostgresError } from './classify.js';

/** Options of {@link PostgresSink}. */
export interface PostgresSinkOptions {
  /** A `pg` Pool (recommended) or Client, a PGlite instance, or a drizzle database. Never closed by the sink. */
  readonly db: PgDatabase;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /** Sink name in metrics and summaries. @default 'postgres' */
  readonly name?: string;
}

/**
 * Writes batches into `event_logs` with one statement per batch (the rows travel as a single
 * JSON parameter, unpacked by `json_to_recordset`). `ON CONFLICT DO NOTHING` on the key
 * `(id, created_at)` makes a retried batch harmless (an event's `created_at` is fixed at intake). Errors are classified by SQLSTATE: connection loss, shutdowns,
 * deadlocks and serialization failures are retried; data errors (classes 22, 23) make the logger
 * split the batch and hand only the refused rows to the fallback.
 */
export class PostgresSink implements Sink {
  readonly name: string;
  /**
   * Two writes in flight: Postgres commits them in parallel on two connections, which nearly
   * doubles throughput on a busy server (see the README's benchmark). Batches may then commit
   * out of order; rows are ordered by `created_at` on read, so nothing depends on it.
   */
  readonly defaults: PipelineOptions = { concurrency: 2 };
  readonly #executor: Executor;
  /** The insert of an untraced batch, and of one that carries trace context. */
  readonly #inserts: readonly [string, string];

  constructor(options: PostgresSinkOptions) {
    this.name = options.name ?? 'postgres';
    this.#executor = toExecutor(options.db, 'options.db');
    const names = tableNames(options.schema, 'options.schema');
    this.#inserts = [insertEventLogsSql(names, false), insertEventLogsSql(names, true)];
  }

  async write(batch: readonly EventRecord[]): Promise<void> {
    const insert = this.#inserts[isTraced(batch) ? 1 : 0];
    await this.#executor.query(insert, [eventRowsJson(batch)]);
  }

  classifyError(error: unknown): SinkErrorKind {
    return classifyPostgresError(error);
  }
}
