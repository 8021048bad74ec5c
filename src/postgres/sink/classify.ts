import { classifyCommonError, type SinkErrorKind } from '../../sinks/sink.js';
import { LOST_MESSAGES } from '../driver/fate.js';

/** SQLSTATEs that say "try again": the server is going away, busy, or chose this transaction. */
const TRANSIENT_STATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '53000', // insufficient_resources
  '53100', // disk_full
  '53200', // out_of_memory
  '53300', // too_many_connections
  '55P03', // lock_not_available
  '57014', // query_canceled (statement_timeout)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);

/** Besides a lost connection: no connection yet, or a server starting or stopping. */
const UNAVAILABLE_MESSAGES =
  /timeout exceeded when trying to connect|not queryable|the database system is (starting|shutting) up/i;

/**
 * How a Postgres error should be handled (see {@link SinkErrorKind}): SQLSTATE class 08
 * (connection exceptions), the codes above and socket errors are transient; classes 22 (data
 * exception) and 23 (integrity constraint violation) mean a row was refused; the rest
 * (undefined table, permission denied, syntax) is permanent.
 */
export function classifyPostgresError(error: unknown): SinkErrorKind {
  const code = (error as { code?: unknown } | null)?.code;
  // No SQLSTATE class starts with E; Node's socket error codes do (EPIPE has five letters too).
  if (typeof code === 'string' && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code)) {
    if (code.startsWith('08') || TRANSIENT_STATES.has(code)) return 'transient';
    if (code.startsWith('22') || code.startsWith('23')) return 'invalid-data';
    return 'permanent';
  }
  if (
    error instanceof Error &&
    (LOST_MESSAGES.test(error.message) || UNAVAILABLE_MESSAGES.test(error.message))
  ) {
    return 'transient';
  }
  return classifyCommonError(error);
}
