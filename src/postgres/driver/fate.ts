import { NotMigratedError } from '../../errors.js';

/**
 * What `pg` says when it lost the connection under a statement (it gives no SQLSTATE): ended,
 * terminated by the server, or failed and no longer queryable. @internal
 */
export const LOST_MESSAGES = /connection terminated|terminating connection|connection error/i;

/**
 * What an error that a statement got says about the connection it ran on:
 * - `lost`: the connection is gone: the server ended it (severity FATAL or PANIC, SQLSTATE class
 *   08, 57P01–57P05, 25P03), its socket failed (a Node error code), or `pg` says so;
 * - `stale`: it may live, but is not fit to go on with: a statement prepared on it no longer
 *   fits (0A000 "cached plan must not change result type" after a column changed type, 26000 a
 *   prepared statement it lost), or `pg` failed without a SQLSTATE (a row it could not parse):
 *   a new connection starts afresh, and the error is worth reporting;
 * - `kept`: the statement failed, the connection is fine.
 * @internal
 */
export function connectionFate(error: unknown): 'lost' | 'stale' | 'kept' {
  if (error instanceof NotMigratedError) return 'kept';
  const { code, severity, message } = (error ?? {}) as Record<string, unknown>;
  if (severity === 'FATAL' || severity === 'PANIC') return 'lost';
  // No SQLSTATE class starts with E; Node's socket error codes do (EPIPE has five letters too).
  if (typeof code === 'string' && code.startsWith('E')) return 'lost';
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) {
    return LOST_MESSAGES.test(String(message)) ? 'lost' : 'stale';
  }
  if (code.startsWith('08') || /^57P0[1-5]$/.test(code) || code === '25P03') return 'lost';
  return code === '0A000' || code === '26000' ? 'stale' : 'kept';
}
