/**
 * The rule of one option: what it accepts, how a given value is checked, and its default. Every
 * public constructor and function of eventrail resolves its options through a table of these
 * ({@link defineOptions}), so that one rule (types, ranges, defaults, unknown keys) holds
 * everywhere, and the documented defaults can be checked against the table.
 */
import { ValidationError } from '../errors.js';

/**
 * The largest number an option takes: Node runs a timer set beyond it after 1 ms, so a larger
 * delay or timeout would mean "at once", the opposite of what was asked. @internal
 */
export const MAX_OPTION_VALUE = 2_147_483_647;

type Presence<T> =
  | { readonly kind: 'required' }
  | { readonly kind: 'default'; readonly value: T; readonly doc: string }
  | { readonly kind: 'optional'; readonly doc: string };

/** Checks a given value (never `undefined`) and returns what the option resolves to. */
type Check<T> = (value: unknown, field: string, base: T | undefined) => T;

/**
 * One option's rule. Made by the builders below (`integer`, `oneOf`, ...), then given a default
 * (`.default(100)`) or made optional (`.optional()`); without either it is required.
 * @internal
 */
export class Spec<T> {
  /** What the option accepts, in words: "an integer from 1 to 2147483647". */
  readonly accepts: string;
  readonly #check: Check<T>;
  readonly #presence: Presence<T>;
  readonly #nullable: boolean;

  constructor(
    accepts: string,
    check: Check<T>,
    presence: Presence<T> = { kind: 'required' },
    nullable = false,
  ) {
    this.accepts = accepts;
    this.#check = check;
    this.#presence = presence;
    this.#nullable = nullable;
  }

  /** Absent means `value`; `doc` is how the documentation writes it (`@default <doc>`). */
  default(value: T, doc: string = formatDefault(value)): Spec<T> {
    return new Spec(this.accepts, this.#check, { kind: 'default', value, doc }, this.#nullable);
  }

  /** Absent means `undefined` (documented as `doc`). */
  optional(doc = 'none'): Spec<T | undefined> {
    return new Spec<T | undefined>(
      this.accepts,
      this.#check as Check<T | undefined>,
      { kind: 'optional', doc },
      this.#nullable,
    );
  }

  /** `null` is accepted as a value of its own (e.g. "keep for ever"). */
  nullable(): Spec<T | null> {
    return new Spec<T | null>(
      `${this.accepts}, or null`,
      this.#check as Check<T | null>,
      this.#presence as Presence<T | null>,
      true,
    );
  }

  /** Whether the option must be given. */
  get required(): boolean {
    return this.#presence.kind === 'required';
  }

  /** The default as documented, or undefined for a required option. */
  get documentedDefault(): string | undefined {
    return this.#presence.kind === 'required' ? undefined : this.#presence.doc;
  }

  /** The default value (undefined for a required or optional option). */
  get defaultValue(): T | undefined {
    return this.#presence.kind === 'default' ? this.#presence.value : undefined;
  }

  /**
   * The option's value: `value` checked, or when absent (`undefined`) the `base` given (a
   * layer of options beneath this one), else the default. Throws a {@link ValidationError}
   * naming `field`.
   */
  resolve(value: unknown, field: string, base?: T): T {
    if (value === undefined) {
      if (base !== undefined) return base;
      const presence = this.#presence;
      if (presence.kind === 'default') return presence.value;
      if (presence.kind === 'optional') return undefined as T;
      throw new ValidationError(field, 'VALIDATION_REQUIRED', `is required: ${this.accepts}`);
    }
    if (value === null && this.#nullable) return null as T;
    return this.#check(value, field, base);
  }
}

/** How a default is written in the documentation: `100`, `'block'`, `true`, `{ a: 1 }`. */
export function formatDefault(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(formatDefault).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).map(([k, v]) => `${k}: ${formatDefault(v)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return String(value);
}

/** Range of a numeric option. */
interface NumberRange {
  readonly min: number;
  /** @default MAX_OPTION_VALUE */
  readonly max?: number;
  /** Accepts `Infinity` too ("for ever", "no limit"). @default false */
  readonly infinite?: boolean;
}

function numeric(integer: boolean, range: NumberRange): Spec<number> {
  const { min, max = MAX_OPTION_VALUE, infinite = false } = range;
  const kind = integer ? 'an integer' : 'a number';
  const accepts = `${kind} from ${min} to ${max}${infinite ? ', or Infinity' : ''}`;
  return new Spec(accepts, (value, field) => {
    if (infinite && value === Number.POSITIVE_INFINITY) return value;
    if (
      typeof value !== 'number' ||
      Number.isNaN(value) ||
      value < min ||
      value > max ||
      (integer && !Number.isInteger(value))
    ) {
      const code = typeof value === 'number' ? 'VALIDATION_RANGE' : 'VALIDATION_TYPE';
      throw new ValidationError(field, code, `must be ${accepts}`);
    }
    return value;
  });
}

/** A whole number within range (a count, milliseconds, bytes). @internal */
export const integer = (range: NumberRange): Spec<number> => numeric(true, range);

/** A number within range, fractions allowed (a growth factor). @internal */
export const number = (range: NumberRange): Spec<number> => numeric(false, range);

/** `true` or `false`. @internal */
export function boolean(): Spec<boolean> {
  return new Spec('a boolean', (value, field) => {
    if (typeof value !== 'boolean') {
      throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a boolean');
    }
    return value;
  });
}

/** One of a few strings. @internal */
export function oneOf<const C extends string>(choices: readonly C[]): Spec<C> {
  const accepts = `one of ${choices.map((c) => `'${c}'`).join(', ')}`;
  return new Spec(accepts, (value, field) => {
    if (typeof value !== 'string')
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${accepts}`);
    if (!choices.includes(value as C)) {
      throw new ValidationError(field, 'VALIDATION_RANGE', `must be ${accepts}`);
    }
    return value as C;
  });
}

/** A non-empty string, optionally at most `maxLength` long and matching `pattern`. @internal */
export function text(
  rule: { readonly maxLength?: number; readonly pattern?: RegExp; readonly accepts?: string } = {},
): Spec<string> {
  const accepts =
    rule.accepts ??
    `a non-empty string${rule.maxLength ? ` of at most ${rule.maxLength} characters` : ''}`;
  return new Spec(accepts, (value, field) => {
    if (typeof value !== 'string')
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${accepts}`);
    if (
      value.length === 0 ||
      (rule.maxLength !== undefined && value.length > rule.maxLength) ||
      (rule.pattern !== undefined && !rule.pattern.test(value))
    ) {
      throw new ValidationError(field, 'VALIDATION_RANGE', `must be ${accepts}`);
    }
    return value;
  });
}

/** A function (a callback, a mapping). @internal */
// biome-ignore lint/suspicious/noExplicitAny: any function type may be asked for
export function fn<F extends (...args: any[]) => unknown>(accepts = 'a function'): Spec<F> {
  return new Spec(accepts, (value, field) => {
    if (typeof value !== 'function')
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${accepts}`);
    return value as F;
  });
}

/** An `AbortSignal`. @internal */
export function abortSignal(): Spec<AbortSignal> {
  return new Spec('an AbortSignal', (value, field) => {
    if (!(value instanceof AbortSignal)) {
      throw new ValidationError(field, 'VALIDATION_TYPE', 'must be an AbortSignal');
    }
    return value;
  });
}

/**
 * Any rule that the builders above do not cover (a database, a list of sinks): `check` throws a
 * {@link ValidationError} naming `field`, or returns the value. @internal
 */
export function custom<T>(accepts: string, check: (value: unknown, field: string) => T): Spec<T> {
  return new Spec(accepts, (value, field) => check(value, field));
}

/** Options nested in options (`retry: { ... }`), resolved over the base's by the same rules. @internal */
export function nested<T extends object>(schema: {
  readonly name: string;
  resolve(input: unknown, field: string, base?: Partial<T>): T;
}): Spec<T> {
  return new Spec(`an object of ${schema.name}`, (value, field, base) =>
    schema.resolve(value, field, base),
  );
}

/** The value type of a spec. @internal */
export type SpecType<S> = S extends Spec<infer T> ? T : never;
