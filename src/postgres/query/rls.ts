import { ValidationError } from '../../errors.js';
import { required } from '../../event/normalize.js';
import { toExecutor } from '../driver/executor.js';
import type { PgDatabase, QueryableLike, Session } from '../driver/types.js';
import { tableNames } from '../sql/names.js';
import { rowLevelSecuritySql, SET_TENANT_SQL } from '../sql/rls.js';

/** Options of {@link enableRowLevelSecurity} and {@link disableRowLevelSecurity}. */
export interface RowLevelSecurityOptions {
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
  /**
   * Subject the table's owner to the policy too (`FORCE ROW LEVEL SECURITY`). Needed when the
   * application connects as the role that owns the tables. Superusers and roles with
   * BYPASSRLS are never subject to it. @default false
   */
  readonly force?: boolean;
}

async function inTransaction<T>(session: Session, work: () => Promise<T>): Promise<T> {
  await session.query('BEGIN');
  try {
    const result = await work();
    await session.query('COMMIT');
    return result;
  } catch (error) {
    await session.query('ROLLBACK');
    throw error;
  }
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
 * Turns on row-level security on `event_logs` (opt-in; `migrate()` never does): roles other
 * than the owner (and the owner too with `force`) then read only the rows of the tenant set for
 * their transaction by {@link withTenant}, and no row when none is set. Inserts are not
 * restricted. Idempotent; undone by {@link disableRowLevelSecurity}. Superusers bypass RLS.
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
