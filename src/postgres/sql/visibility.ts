import { TENANT_SETTING } from './rls.js';

/**
 * Who reads, as the server sees this session: the role (row-level security binds roles, and a
 * superuser or BYPASSRLS role sees every row) and the transaction's tenant set by `withTenant`.
 * @internal
 */
export const READER_SQL = `SELECT current_user::text AS role, current_setting('${TENANT_SETTING}', true) AS tenant`;

/**
 * Which server and database the connection reaches. The start time tells apart two servers
 * that answer at the same address (two PGlite instances, a restarted server); the system
 * identifier, where the role may read it, tells apart clusters. @internal
 */
export const DATABASE_IDENTITY_SQL = `SELECT current_database()::text AS database,
  inet_server_addr()::text AS address, inet_server_port() AS port,
  pg_postmaster_start_time()::text AS started,
  has_function_privilege('pg_catalog.pg_control_system()', 'EXECUTE') AS "readsSystem"`;

/** The cluster's identifier, made by initdb. Managed services may revoke it. @internal */
export const SYSTEM_IDENTIFIER_SQL =
  'SELECT system_identifier::text AS system FROM pg_catalog.pg_control_system()';
