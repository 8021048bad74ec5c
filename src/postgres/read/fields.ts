import { ValidationError } from '../../errors.js';
import { required } from '../../event/normalize.js';
import { unknownKey } from '../../options/closest.js';

/**
 * `value` as a plain object whose keys are all in `known`. Anything else is refused with a
 * ValidationError: not an object (naming `field`), or an unknown key (naming `field.key`, code
 * `VALIDATION_UNKNOWN`, with the closest known key), by the same rule as options, since a
 * misspelt filter must not silently change a read. `what` names one key (`a known filter`),
 * `kinds` all of them (`filters`). @internal
 */
export function knownFields(
  value: unknown,
  field: string,
  known: ReadonlySet<string>,
  what: string,
  kinds = 'known keys',
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(field, 'VALIDATION_TYPE', 'must be an object');
  }
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw unknownKey(key, [...known], field, what, kinds);
  }
  return value as Record<string, unknown>;
}

/**
 * An optional string of a scope or filter: `null` when absent, else a non-empty string without
 * `\u0000` or a lone surrogate (ValidationError naming `prefix + name` otherwise). @internal
 */
export function optionalText(value: unknown, prefix: string, name: string): string | null {
  return value === undefined ? null : required(value, prefix, name);
}
