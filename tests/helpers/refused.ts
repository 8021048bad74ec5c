import { expect } from 'vitest';
import { ValidationError } from '../../src/index.js';

/** The ValidationError `run` throws; fails the test when it throws nothing or something else. */
export function refused(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError, nothing was thrown');
}
