import type { TableNames } from './names.js';

/** The setting that carries the tenant of a transaction; read by the RLS policy. */
export const TENANT_SETTING = 'eventrail.tenant_id';

/** Sets the tenant until the end of the current transaction. @internal */
export const SET_TENANT_SQL = `SELECT set_config('${TENANT_SETTING}', $1::text, true)`;

const POLICY = 'eventrail_tenant_isolation';

/**
 * Row-level security on `event_logs` and `event_rollups` (whose counts would tell the same),
 * keyed by tenant. Not part of `migrate()`: a host opts in. One policy for every command: a role
 * bound by it reads, inserts, updates and deletes only rows whose `tenant_id` equals the
 * transaction's `eventrail.tenant_id`, and none when it is unset.
 * @internal
 */
export function rowLevelSecuritySql(names: TableNames, force: boolean) {
  const tables = [names.eventLogs, names.eventRollups];
  const dropPolicy = (table: string) => `DROP POLICY IF EXISTS ${POLICY} ON ${table}`;
  return {
    enable: tables.flatMap((table) => [
      dropPolicy(table),
      `CREATE POLICY ${POLICY} ON ${table}
  USING (tenant_id = current_setting('${TENANT_SETTING}', true))`,
      `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE ${table} ${force ? '' : 'NO '}FORCE ROW LEVEL SECURITY`,
    ]),
    disable: tables.flatMap((table) => [
      `ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`,
      `ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`,
      dropPolicy(table),
    ]),
  } as const;
}
