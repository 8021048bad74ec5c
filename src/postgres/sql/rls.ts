import type { TableNames } from './names.js';

/** The setting that carries the tenant of a transaction; read by the RLS policy. */
export const TENANT_SETTING = 'eventrail.tenant_id';

/** Sets the tenant until the end of the current transaction. @internal */
export const SET_TENANT_SQL = `SELECT set_config('${TENANT_SETTING}', $1::text, true)`;

const POLICY = 'eventrail_tenant_isolation';

/**
 * Row-level security on `event_logs` and `event_rollups` (whose counts would tell the same; when
 * it exists),
 * keyed by tenant. Not part of `migrate()`: a host opts in. One policy for every command: a role
 * bound by it reads, inserts, updates and deletes only rows whose `tenant_id` equals the
 * transaction's `eventrail.tenant_id`, and none when it is unset.
 * @internal
 */
export function rowLevelSecuritySql(names: TableNames, force: boolean) {
  const enable = (table: string) => [
    `DROP POLICY IF EXISTS ${POLICY} ON ${table}`,
    `CREATE POLICY ${POLICY} ON ${table}
  USING (tenant_id = current_setting('${TENANT_SETTING}', true))`,
    `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} ${force ? '' : 'NO '}FORCE ROW LEVEL SECURITY`,
  ];
  const disable = (table: string) => [
    `ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`,
    `ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`,
    `DROP POLICY IF EXISTS ${POLICY} ON ${table}`,
  ];
  // A database migrated before 0008 has no rollups (0008 copies the policy when it makes them).
  const rollups = names.eventRollups;
  const ifRollups = (statements: string[]) =>
    `DO $rls$ BEGIN IF to_regclass('${rollups.replaceAll("'", "''")}') IS NOT NULL THEN
${statements.map((statement) => `  EXECUTE ${literal(statement)};`).join('\n')}
END IF; END $rls$`;
  return {
    enable: [...enable(names.eventLogs), ifRollups(enable(rollups))],
    disable: [...disable(names.eventLogs), ifRollups(disable(rollups))],
  } as const;
}

/** `text` as a SQL string literal. */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
