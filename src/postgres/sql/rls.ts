import type { TableNames } from './names.js';

/** The setting that carries the tenant of a transaction; read by the RLS policy. */
export const TENANT_SETTING = 'eventrail.tenant_id';

/** Sets the tenant until the end of the current transaction. @internal */
export const SET_TENANT_SQL = `SELECT set_config('${TENANT_SETTING}', $1::text, true)`;

const READ_POLICY = 'eventrail_tenant_read';
const INSERT_POLICY = 'eventrail_insert';

/**
 * Row-level security on `event_logs`, keyed by tenant. Not part of `migrate()`: a host opts in.
 * Reads see only rows whose `tenant_id` equals the transaction's `eventrail.tenant_id` (none
 * when it is unset); inserts stay open, since one logger writes the rows of every tenant.
 * UPDATE and DELETE get no policy, so roles subject to RLS cannot change events. @internal
 */
export function rowLevelSecuritySql(names: TableNames, force: boolean) {
  const table = names.eventLogs;
  const dropPolicies = [
    `DROP POLICY IF EXISTS ${READ_POLICY} ON ${table}`,
    `DROP POLICY IF EXISTS ${INSERT_POLICY} ON ${table}`,
  ];
  return {
    enable: [
      ...dropPolicies,
      `CREATE POLICY ${READ_POLICY} ON ${table} FOR SELECT
  USING (tenant_id = current_setting('${TENANT_SETTING}', true))`,
      `CREATE POLICY ${INSERT_POLICY} ON ${table} FOR INSERT WITH CHECK (true)`,
      `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
      `ALTER TABLE ${table} ${force ? '' : 'NO '}FORCE ROW LEVEL SECURITY`,
    ],
    disable: [
      `ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`,
      `ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`,
      ...dropPolicies,
    ],
  } as const;
}
