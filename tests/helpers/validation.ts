import { expect } from 'vitest';
import { ValidationError } from '../../src/index.js';

/** The ValidationError `work` throws (the test fails when it throws anything else, or nothing). */
export function refused(work: () => unknown): ValidationError {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}
