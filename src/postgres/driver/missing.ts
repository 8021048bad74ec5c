/**
 * A statement of eventrail that met a missing table of its own (SQLSTATE 42P01, undefined_table:
 * `relation "eventrail.event_logs" does not exist`) or a missing schema (3F000,
 * invalid_schema_name, as COPY says it) means the database was not migrated; the error that
 * reaches the host says so and what to run, as a {@link NotMigratedError}.
 */
import { NotMigratedError } from '../../errors.js';
import { EVENTRAIL_TABLES } from '../schema/constants.js';

/** eventrail qualifies every relation it names with its schema; Postgres repeats both. */
const MISSING_TABLE = /relation "([^".]+)\.([^".]+)" does not exist/;
/** Only eventrail's own statements run here, and the only schema they name is eventrail's. */
const MISSING_SCHEMA = /schema "([^"]+)" does not exist/;

/** What `candidate` says is missing: [schema, what], or undefined when it is not that. */
function missingOf(candidate: unknown): [string, string] | undefined {
  const { code, message } = (candidate ?? {}) as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return undefined;
  if (code === '42P01') {
    const match = MISSING_TABLE.exec(message);
    if (match === null || !EVENTRAIL_TABLES.includes(match[2] as string)) return undefined;
    return [match[1] as string, `${match[1]}.${match[2]}`];
  }
  const schema = code === '3F000' ? MISSING_SCHEMA.exec(message)?.[1] : undefined;
  return schema === undefined ? undefined : [schema, schema];
}

/**
 * `error` as a {@link NotMigratedError} when it is Postgres's undefined_table on one of
 * eventrail's tables or its schema (or wraps one as its `cause`, as drizzle's query errors do), else `error`
 * itself. @internal
 */
export function explainMissingTable(error: unknown): unknown {
  for (const candidate of [error, (error as { cause?: unknown } | null)?.cause]) {
    const missing = missingOf(candidate);
    if (missing !== undefined) return new NotMigratedError(missing[0], missing[1], candidate);
  }
  return error;
}
