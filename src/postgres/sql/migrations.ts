import type { TableNames } from './names.js';

/** Statements of the migration runner. @internal */
export function migrationSql(names: TableNames) {
  return {
    /** Serializes runners of the same schema across processes (a session-level advisory lock). */
    lock: `SELECT pg_advisory_lock(hashtext('eventrail.migrate:' || $1::text))`,
    unlock: `SELECT pg_advisory_unlock(hashtext('eventrail.migrate:' || $1::text))`,
    createSchema: `CREATE SCHEMA IF NOT EXISTS ${names.schemaSql}`,
    createTable: `CREATE TABLE IF NOT EXISTS ${names.migrations} (
      name text PRIMARY KEY,
      hash text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`,
    tableExists: `SELECT to_regclass($1) IS NOT NULL AS "exists"`,
    applied: `SELECT name, hash FROM ${names.migrations} ORDER BY name`,
    record: `INSERT INTO ${names.migrations} (name, hash) VALUES ($1, $2)`,
    forget: `DELETE FROM ${names.migrations} WHERE name = $1`,
    dropTable: `DROP TABLE ${names.migrations}`,
    /** Removes the schema unless something else still lives in it. */
    dropSchemaIfEmpty: `DO $$ BEGIN
      DROP SCHEMA IF EXISTS ${names.schemaSql};
    EXCEPTION WHEN dependent_objects_still_exist THEN NULL;
    END $$`,
  } as const;
}
