/**
 * Log sequence numbers: Postgres writes them `X/Y` (two hexadecimal 32-bit halves); eventrail
 * keeps them as `bigint`, which orders and subtracts as bytes of WAL.
 */
import { ValidationError } from '../../errors.js';

const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** `'16/B374D848'` → `0x16B374D848n`; a malformed text is a `ValidationError` on `field`. */
export function parseLsn(text: string, field = 'lsn'): bigint {
  const match = LSN.exec(text);
  if (!match) {
    throw new ValidationError(field, 'VALIDATION_RANGE', `must be an LSN like '16/B374D848'`);
  }
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** `0x16B374D848n` → `'16/B374D848'`, as Postgres prints it. */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
