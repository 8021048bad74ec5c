/** What an error says about the connection it came on: gone, unfit to go on with, or fine. */
import { describe, expect, it } from 'vitest';
import { connectionFate } from '../../src/postgres/driver/fate.js';

const pgError = (code: string, severity = 'ERROR') =>
  Object.assign(new Error(code), { code, severity });

describe('connectionFate', () => {
  it('calls a connection lost when the server ended it or no SQLSTATE came', () => {
    for (const code of ['57P01', '57P02', '57P03', '57P04', '57P05', '25P03', '08006', '08P01']) {
      expect(connectionFate(pgError(code))).toBe('lost');
    }
    expect(connectionFate(pgError('XX000', 'FATAL'))).toBe('lost');
    expect(connectionFate(pgError('XX000', 'PANIC'))).toBe('lost');
    expect(connectionFate(new Error('Connection terminated unexpectedly'))).toBe('lost');
    for (const code of ['ECONNRESET', 'EPIPE']) {
      expect(connectionFate(Object.assign(new Error(code), { code }))).toBe('lost');
    }
    expect(connectionFate(new Error('terminating connection due to administrator command'))).toBe(
      'lost',
    );
  });

  it('calls it stale when a prepared statement no longer fits, or pg failed on its own', () => {
    expect(connectionFate(pgError('0A000'))).toBe('stale');
    expect(connectionFate(pgError('26000'))).toBe('stale');
    expect(connectionFate(new RangeError('invalid date in row 3'))).toBe('stale');
    expect(connectionFate(undefined)).toBe('stale');
  });

  it('keeps it when only the statement failed', () => {
    for (const code of ['57014', '42501', '42P01', '40001', '22P02']) {
      expect(connectionFate(pgError(code))).toBe('kept');
    }
  });
});
