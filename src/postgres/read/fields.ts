import { ValidationError } from '../../errors.js';

/**
 * `value` as a plain object whose keys are all in `known`. Anything else is refused with a
 * ValidationError: not an object (naming `field`), or an unknown key (naming `field.key`), since
 * a misspelt option must not silently change a read. @internal
 */
export function knownFields(
  value: unknown,
  field: string,
  known: ReadonlySet<string>,
  what: string,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(field, 'VALIDATION_TYPE', 'must be an object');
  }
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      throw new ValidationError(`${field}.${key}`, 'VALIDATION_RANGE', `is not ${what}`);
    }
  }
  return value as Record<string, unknown>;
}
