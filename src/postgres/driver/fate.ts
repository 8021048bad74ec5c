/**
 * What an error that a statement got says about the connection it ran on:
 * - `lost`: the connection is gone (the server ended it: severity FATAL or PANIC, SQLSTATE class
 *   08, 57P01–57P03; or no SQLSTATE at all: the socket closed, `pg` gave up on it);
 * - `stale`: it lives, but a statement prepared on it no longer fits (0A000 "cached plan must not
 *   change result type" after a column changed type, 26000 a prepared statement it lost): a
 *   new connection prepares afresh;
 * - `kept`: the statement failed, the connection is fine.
 * @internal
 */
export function connectionFate(error: unknown): 'lost' | 'stale' | 'kept' {
  const { code, severity } = (error ?? {}) as { code?: unknown; severity?: unknown };
  if (severity === 'FATAL' || severity === 'PANIC') return 'lost';
  // No SQLSTATE class starts with E; Node's socket error codes do (EPIPE has five letters too).
  if (typeof code !== 'string' || !/^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code)) return 'lost';
  if (code.startsWith('08') || /^57P0[1-3]$/.test(code)) return 'lost';
  return code === '0A000' || code === '26000' ? 'stale' : 'kept';
}
