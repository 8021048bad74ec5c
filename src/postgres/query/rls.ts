import { required } from '../../event/normalize.js';
import { defineOptions } from '../../options/schema.js';
import { boolean, custom, fn } from '../../options/spec.js';
import { dbSpec, inTransaction, toExecutor } from '../driver/executor.js';
import type { PgDatabase, QueryableLike } from '../driver/types.js';
import { schemaSpec, tableNames } from '../sql/names.js';
import { rowLevelSecuritySql, SET_TENANT_SQL } from '../sql/rls.js';

/** Options of {@link disableRowLevelSecurity}. */
export interface DisableRowLevelSecurityOptions {
  /** A `pg` Pool or Client, a PGlite instance, or a drizzle database; never closed. */
  readonly db: PgDatabase;
  /** Postgres schema of the tables, as given to `migrate`. @default 'eventrail' */
  readonly schema?: string;
}

/** Options of {@link enableRowLevelSecurity}. */
export interface RowLevelSecurityOptions extends DisableRowLevelSecurityOptions {
  /**
   * Bind the table's owner too (`FORCE ROW LEVEL SECURITY`), for hosts whose readers connect as
   * the owner. The logger must then write as another role, with BYPASSRLS. Superusers and
   * BYPASSRLS roles are never bound. @default false
   */
  readonly force?: boolean;
}

/** Options of {@link withTenant}. */
export interface WithTenantOptions {
  /** A `pg` Pool (recommended), or a connection not already in a transaction; never closed. */
  readonly db: PgDatabase;
  /** The tenant whose rows the transaction may read and write: a non-empty string. */
  readonly tenantId: string;
}

const disableOptions = defineOptions<DisableRowLevelSecurityOptions>()(
  'DisableRowLevelSecurityOptions',
  { db: dbSpec(), schema: schemaSpec() },
);

const enableOptions = defineOptions<RowLevelSecurityOptions>()('RowLevelSecurityOptions', {
  db: dbSpec(),
  schema: schemaSpec(),
  force: boolean().default(false),
});

const tenantOptions = defineOptions<WithTenantOptions>()('WithTenantOptions', {
  db: dbSpec(),
  tenantId: custom('a non-empty string', (value, field) => required(value, '', field)),
});

async function apply(
  options: { readonly db: PgDatabase; readonly schema: string; readonly force?: boolean },
  statements: (s: ReturnType<typeof rowLevelSecuritySql>) => readonly string[],
): Promise<void> {
  const sql = rowLevelSecuritySql(tableNames(options.schema), options.force === true);
  await toExecutor(options.db).withSession((session) =>
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
 * by {@link disableRowLevelSecurity}. Bad options reject with a `ValidationError` before the
 * database is touched.
 */
export async function enableRowLevelSecurity(options: RowLevelSecurityOptions): Promise<void> {
  return apply(enableOptions.resolve(options), (sql) => sql.enable);
}

/**
 * Turns row-level security on `event_logs` off again and drops eventrail's policies. Idempotent.
 * Bad options reject with a `ValidationError` before the database is touched.
 */
export async function disableRowLevelSecurity(
  options: DisableRowLevelSecurityOptions,
): Promise<void> {
  return apply(disableOptions.resolve(options), (sql) => sql.disable);
}

/**
 * Runs `work` in a transaction whose tenant is `tenantId`
 * (`set_config('eventrail.tenant_id', ..., true)`: it ends with the transaction, so a pooled connection never carries it to another
 * request). `work` gets the transaction's connection (a `pg` PoolClient when `db` is a Pool):
 * run queries on it, or give it to `new EventQueries({ db: connection })`. Commits when `work`
 * resolves, rolls back when it throws. Pass a Pool, or a connection not already in a transaction.
 * Bad options (or a `work` that is not a function) reject with a `ValidationError` before the
 * database is touched.
 */
export async function withTenant<T>(
  options: WithTenantOptions,
  work: (connection: QueryableLike) => Promise<T>,
): Promise<T> {
  const { db, tenantId } = tenantOptions.resolve(options);
  fn().resolve(work, 'work');
  return toExecutor(db).withSession((session, connection) =>
    inTransaction(session, async () => {
      await session.query(SET_TENANT_SQL, [tenantId]);
      return work(connection);
    }),
  );
}
