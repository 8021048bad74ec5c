import { WalError, type WalErrorCode } from './errors.js';

/**
 * The {@link WalError} for an error of the replication connection: the server's SQLSTATE (and,
 * where Postgres shares one state between causes, its message) picks the code.
 * @internal
 */
export function walErrorOf(error: unknown, doing: string): WalError {
  if (error instanceof WalError) return error;
  const { code, message } = error as { code?: string; message?: string };
  return new WalError(codeOf(code, message ?? ''), doing, error);
}

function codeOf(state: string | undefined, message: string): WalErrorCode {
  if (state === '55006') return 'WAL_SLOT_IN_USE';
  if (state === '42501' || state === '28000') return 'WAL_PRIVILEGE';
  if (state === '42704' && message.includes('replication slot')) return 'WAL_SLOT_MISSING';
  if (message.includes('invalidated')) return 'WAL_SLOT_INVALIDATED';
  if (message.includes('wal_level')) return 'WAL_LEVEL';
  return 'WAL_REPLICATION';
}
