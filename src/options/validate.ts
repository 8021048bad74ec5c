/** Validation of constructor options, shared by every class of the package. */
import { ValidationError } from '../errors.js';

/**
 * The largest number an option takes: Node runs a timer set beyond it after 1 ms, so a larger
 * delay or timeout would mean "at once", the opposite of what was asked.
 */
export const MAX_OPTION_VALUE = 2_147_483_647;

/** The range a numeric option accepts. @internal */
export interface NumberRule {
  /** Smallest value accepted. */
  readonly min: number;
  /** Whether only integers are accepted. @default true */
  readonly integer?: boolean;
}

/** Checks that an option is a number within range; returns the default when absent. @internal */
export function numberOption(
  value: number | undefined,
  name: string,
  fallback: number,
  rule: NumberRule,
): number {
  const { min, integer = true } = rule;
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    Number.isNaN(value) ||
    value < min ||
    value > MAX_OPTION_VALUE ||
    (integer && !Number.isInteger(value))
  ) {
    const kind = integer ? 'an integer' : 'a number';
    throw new ValidationError(
      `options.${name}`,
      'VALIDATION_RANGE',
      `must be ${kind} from ${min} to ${MAX_OPTION_VALUE}`,
    );
  }
  return value;
}

/** Checks that an option is one of `choices`; returns the default when absent. @internal */
export function choiceOption<T extends string>(
  value: T | undefined,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value)) {
    throw new ValidationError(
      `options.${name}`,
      'VALIDATION_RANGE',
      `must be one of ${choices.join(', ')}`,
    );
  }
  return value;
}

/** Checks that an option is a boolean; returns the default when absent. @internal */
export function booleanOption(
  value: boolean | undefined,
  name: string,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new ValidationError(`options.${name}`, 'VALIDATION_TYPE', 'must be a boolean');
  }
  return value;
}

/**
 * Checks a cut-off given as a Date or as an age in milliseconds (`olderThan` of the purges) and
 * returns it as epoch milliseconds. @internal
 */
export function cutoffOption(value: Date | number, name: string): number {
  const at = value instanceof Date ? value.getTime() : Date.now() - value;
  if (
    !(value instanceof Date || typeof value === 'number') ||
    !Number.isFinite(at) ||
    (typeof value === 'number' && value < 0)
  ) {
    throw new ValidationError(
      `options.${name}`,
      'VALIDATION_TYPE',
      'must be a valid Date or a number of milliseconds >= 0',
    );
  }
  return at;
}

/** Checks that an option is a non-empty string (`options.<name>`). @internal */
export function textOption(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(
      `options.${name}`,
      'VALIDATION_REQUIRED',
      'must be a non-empty string',
    );
  }
  return value;
}

/** Capped exponential backoff between reconnection attempts, as the broker sinks take it. */
export interface BackoffRule {
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly factor: number;
}

/**
 * Checks the `reconnect` option of a broker sink (`minDelayMs` ≥ 0, `maxDelayMs` ≥ it, `factor`
 * ≥ 1) over its defaults. @internal
 */
export function reconnectOption(
  value: Partial<BackoffRule> | undefined,
  defaults: BackoffRule,
): BackoffRule {
  const given = value ?? {};
  const minDelayMs = numberOption(given.minDelayMs, 'reconnect.minDelayMs', defaults.minDelayMs, {
    min: 0,
  });
  return {
    minDelayMs,
    maxDelayMs: numberOption(
      given.maxDelayMs,
      'reconnect.maxDelayMs',
      Math.max(defaults.maxDelayMs, minDelayMs),
      { min: minDelayMs },
    ),
    factor: numberOption(given.factor, 'reconnect.factor', defaults.factor, {
      min: 1,
      integer: false,
    }),
  };
}
