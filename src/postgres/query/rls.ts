import { ValidationError } from '../../errors.js';
import { required } from '../../event/normalize.js';
import { inTransaction, toExecutor } from '../driver/executor.js';
import type { PgDatabase, QueryableLike } from '../driver/types.js';
import { tableNames } from '../sql/names.js';
import { rowLevelSecuritySql, SET_TENANT_SQL } from '../sql/rls.js';

/** Options of {@link enableRowLevelSecurity} and {@link disableRowLevelSecurity}. */
export interface RowLevelSecurityOptions {
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /**
   * Bind the table's owner too (`FORCE ROW LEVEL SECURITY`), for hosts whose readers connect as
   * the owner. The logger must then write as another role, with BYPASSRLS. Superusers and
   * BYPASSRLS roles are never bound. @default false
   */
  readonly force?: boolean;
}

async function apply(
  db: PgDatabase,
  statements: (s: ReturnType<typeof rowLevelSecuritySql>) => readonly string[],
  options: RowLevelSecurityOptions,
): Promise<void> {
  if (options.force !== undefined && typeof options.force !== 'boolean') {
    throw new ValidationError('options.force', 'VALIDATION_TYPE', 'must be a boolean');
  }
  const sql = rowLevelSecuritySql(
    tableNames(options.schema, 'options.schema'),
    options.force === true,
  );
  await toExecutor(db).withSession((session) =>
    inTransaction(session, async () => {
      for (const statement of statements(sql)) await session.query(statement);
    }),
  );
}

/**
 * Turns on row-level security on `event_logs` (opt-in; `migrate()` never does). A role bound
 * by it (any role but superusers, BYPASSRLS roles and, without `force`, the table's owner)
 * then reads and writes only the rows of the tenant set for its transaction by
 * {@link withTenant}, and no row when none is set. The logger writes rows of every tenant in one
 * batch, so `PostgresSink` must connect as a role the policy does not bind. Idempotent; undone
 * by {@link disableRowLevelSecurity}.
 */
export function enableRowLevelSecurity(
  db: PgDatabase,
  options: RowLevelSecurityOptions = {},
): Promise<void> {
  return apply(db, (sql) => sql.enable, options);
}

/** Turns row-level security on `event_logs` off again and drops eventrail's policies. Idempotent. */
export function disableRowLevelSecurity(
  db: PgDatabase,
  options: Omit<RowLevelSecurityOptions, 'force'> = {},
): Promise<void> {
  return apply(db, (sql) => sql.disable, options);
}

/**
 * Runs `work` in a transaction whose tenant is `tenantId` (`set_config('eventrail.tenant_id',
 * ..., true)`: it ends with the transaction, so a pooled connection never carries it to another
 * request). `work` gets the transaction's connection (a `pg` PoolClient when `db` is a Pool):
 * run queries on it, or give it to `new EventQueries({ db: connection })`. Commits when `work`
 * resolves, rolls back when it throws. Pass a Pool, or a connection not already in a transaction.
 */
export async function withTenant<T>(
  db: PgDatabase,
  tenantId: string,
  work: (connection: QueryableLike) => Promise<T>,
): Promise<T> {
  const tenant = required(tenantId, '', 'tenantId');
  return toExecutor(db).withSession((session, connection) =>
    inTransaction(session, async () => {
      await session.query(SET_TENANT_SQL, [tenant]);
      return work(connection);
    }),
  );
}
