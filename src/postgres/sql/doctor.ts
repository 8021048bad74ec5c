import { quoteIdentifier, type TableNames } from './names.js';
import { DEFAULT_PARTITION } from './partitions.js';

/** The longest query text `eventrail doctor` shows of a transaction it names. */
const QUERY_CHARS = 120;

/** The server `eventrail doctor` connected to. @internal */
export const SERVER_SQL = `SELECT current_setting('server_version') AS version,
  current_setting('server_version_num')::int AS "versionNum", current_database() AS database,
  current_user AS "user", current_setting('wal_level') AS "walLevel"`;

/**
 * Statements of `eventrail doctor` that no other part runs: the server, the oldest pending and
 * the failed outbox rows, dead letters and members of every consumer, the transactions that
 * hold the stream's settled mark back. @internal
 */
export function doctorSql(names: TableNames) {
  return {
    /** Whether the relation $1 (qualified, quoted) exists. */
    exists: `SELECT to_regclass($1) IS NOT NULL AS "exists"`,
    /** Rows of the default partition, counted up to $1. */
    defaultRows: `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${names.schemaSql}.${quoteIdentifier(DEFAULT_PARTITION)} LIMIT $1) AS r`,
    horizon: `SELECT expired_before AS "expiredBefore", updated_at AS "updatedAt"
  FROM ${names.retentionHorizon} WHERE id = 1`,
    oldestPending: `SELECT id::text, event_type AS type, created_at AS "createdAt",
  (extract(epoch FROM now() - created_at) * 1000)::float8 AS "ageMs",
  retry_count AS retries, last_error AS "lastError"
  FROM ${names.eventOutbox} WHERE status = 'pending' ORDER BY created_at LIMIT 1`,
    failedOutbox: `SELECT count(*)::int AS n FROM ${names.eventOutbox} WHERE status = 'failed'`,
    deadLetters: `SELECT consumer, count(*)::int AS n FROM ${names.deadLetters}
  GROUP BY consumer ORDER BY consumer`,
    /**
     * Each consumer: members holding a lease now, and the last time a checkpoint moved (epoch
     * ms ago, as an age).
     */
    consumers: `SELECT c.name, count(p.owner) FILTER (WHERE p.lease_until > now())::int AS leased,
  (extract(epoch FROM now() - max(p.updated_at)) * 1000)::float8 AS "movedAgoMs"
  FROM ${names.consumers} c LEFT JOIN ${names.consumerPartitions} p ON p.consumer = c.name
  GROUP BY c.name ORDER BY c.name`,
    /**
     * Transactions of this database holding a transaction id (so the stream's settled mark
     * cannot pass them) open for longer than $1 ms, oldest first: what the stream's reads
     * wait behind (see SETTLED_MARK in stream.ts; autovacuum's are not counted there either).
     */
    longTransactions: `SELECT pid, coalesce(nullif(application_name, ''), '(no application_name)') AS application,
  usename AS "user", coalesce(host(client_addr), 'local socket') AS client, state,
  (extract(epoch FROM now() - xact_start) * 1000)::float8 AS "ageMs",
  left(regexp_replace(query, '\\s+', ' ', 'g'), ${QUERY_CHARS}) AS query
  FROM pg_stat_activity
  WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()
    AND backend_type <> 'autovacuum worker' AND xact_start < now() - $1 * interval '1 millisecond'
  ORDER BY xact_start`,
  } as const;
}
