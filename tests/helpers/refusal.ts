import { expect } from 'vitest';
import { ValidationError } from '../../src/index.js';

/** The ValidationError `make` throws; fails the test when it throws anything else, or nothing. */
export function refusal(make: () => unknown): ValidationError {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}
