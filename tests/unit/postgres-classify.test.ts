/** How PostgresSink sorts errors: SQLSTATEs by class, and Node's socket errors as transient. */
import { describe, expect, it } from 'vitest';
import { classifyPostgresError } from '../../src/postgres/index.js';

const systemError = (code: string) =>
  Object.assign(new Error(`write ${code}`), { code, errno: -32, syscall: 'write' });
const serverError = (code: string) =>
  Object.assign(new Error('from the server'), { code, severity: 'ERROR' });

describe('classifyPostgresError', () => {
  it('takes a socket error with a five-letter code (EPIPE) for transient, not for a SQLSTATE', () => {
    // A connection terminated mid-COPY fails with EPIPE; read as a SQLSTATE it was permanent and
    // its batch went to the fallback.
    expect(classifyPostgresError(systemError('EPIPE'))).toBe('transient');
    expect(classifyPostgresError(systemError('ECONNRESET'))).toBe('transient');
  });

  it('sorts SQLSTATEs by class', () => {
    expect(classifyPostgresError(serverError('40001'))).toBe('transient');
    expect(classifyPostgresError(serverError('08006'))).toBe('transient');
    expect(classifyPostgresError(serverError('57P01'))).toBe('transient');
    expect(classifyPostgresError(serverError('23505'))).toBe('invalid-data');
    expect(classifyPostgresError(serverError('22P02'))).toBe('invalid-data');
    expect(classifyPostgresError(serverError('42P01'))).toBe('permanent');
    expect(classifyPostgresError(serverError('XX000'))).toBe('permanent');
  });
});
