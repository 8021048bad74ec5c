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
export function nested<T extends object>(schema: OptionsSchema<T>): Spec<T> {
  return new Spec(`an object of ${schema.name}`, (value, field, base) =>
    schema.resolve(value, field, base),
  );
}

/** The value type of a spec. @internal */
export type SpecType<S> = S extends Spec<infer T> ? T : never;

/** What a table of specs resolves to. @internal */
// biome-ignore lint/suspicious/noExplicitAny: matches any spec
export type Resolved<S extends Record<string, Spec<any>>> = {
  readonly [K in keyof S]: SpecType<S[K]>;
};

/**
 * A checked, cross-field rule applied after each option was resolved (a maximum at least its
 * minimum): returns the final options, or throws a {@link ValidationError}. `given` is the input
 * as the caller passed it, to tell an option given from one defaulted. @internal
 */
export type Refine<T> = (resolved: T, given: Readonly<Record<string, unknown>>, field: string) => T;

/**
 * The options of one public constructor or function: a table of specs by option name. Resolving
 * refuses anything but an object (a missing one when an option is required), any key that is not
 * in the table (naming the closest one), and any value its spec refuses, each with a
 * {@link ValidationError} naming the field.
 * @internal
 */
export class OptionsSchema<T extends object> {
  /** The documented interface these options are, e.g. `EventLoggerOptions`. */
  readonly name: string;
  // biome-ignore lint/suspicious/noExplicitAny: each spec has its own type
  readonly specs: Readonly<Record<string, Spec<any>>>;
  readonly #refine: Refine<T> | undefined;
  readonly #keys: readonly string[];
  readonly #required: readonly string[];

  // biome-ignore lint/suspicious/noExplicitAny: each spec has its own type
  constructor(name: string, specs: Record<string, Spec<any>>, refine?: Refine<T>) {
    this.name = name;
    this.specs = Object.freeze({ ...specs });
    this.#refine = refine;
    this.#keys = Object.keys(specs);
    this.#required = this.#keys.filter((k) => specs[k]?.required);
  }

  /** The options' names, in the table's order. */
  get keys(): readonly string[] {
    return this.#keys;
  }

  /** The default of every option that has one. */
  get defaults(): Partial<T> {
    const out: Record<string, unknown> = {};
    for (const key of this.#keys) {
      const value = this.specs[key]?.defaultValue;
      if (value !== undefined) out[key] = value;
    }
    return out as Partial<T>;
  }

  /**
   * Resolves `input` (the caller's options object; `undefined` when not given) into every
   * option's value. With `base`, an option not given takes the base's value instead of its
   * default (options layered over others). Throws a {@link ValidationError} naming the field.
   */
  resolve(input: unknown, field = 'options', base?: Partial<T>): T {
    if (input === undefined && (this.#required.length === 0 || base !== undefined)) input = {};
    if (input === undefined) {
      throw new ValidationError(
        field,
        'VALIDATION_REQUIRED',
        `is required: an object with ${this.#required.join(', ')}`,
      );
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be an object (${this.name})`);
    }
    try {
      return this.#resolveObject(input as Record<string, unknown>, field, base);
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      throw new ValidationError(
        field,
        'VALIDATION_UNREADABLE',
        'threw while being read (a getter or proxy)',
        {
          cause: error,
        },
      );
    }
  }

  /** Refuses the first key of `given` that is not an option, as {@link resolve} does. */
  checkKeys(given: object, field = 'options'): void {
    for (const key of Object.keys(given)) {
      if (this.specs[key] === undefined) throw unknownOption(key, this, field);
    }
  }

  #resolveObject(given: Record<string, unknown>, field: string, base: Partial<T> | undefined): T {
    this.checkKeys(given, field);
    const out: Record<string, unknown> = {};
    for (const key of this.#keys) {
      const spec = this.specs[key] as Spec<unknown>;
      out[key] = spec.resolve(
        given[key],
        `${field}.${key}`,
        (base as Record<string, unknown> | undefined)?.[key],
      );
    }
    const resolved = out as T;
    return this.#refine ? this.#refine(resolved, given, field) : resolved;
  }
}

/** Every schema made by {@link defineOptions}, for the check of the documentation against them. */
const schemas: OptionsSchema<object>[] = [];

/** The schemas defined so far (those of every module loaded). @internal */
export function definedSchemas(): readonly OptionsSchema<object>[] {
  return schemas;
}

/**
 * Defines the options of the documented interface `I`: one spec for each of its keys, no more
 * (checked at compile time), and an optional cross-field rule. The schema is recorded, so that a
 * test holds the interface's TSDoc (`@default`) and the README's options tables to it.
 * @internal
 */
export function defineOptions<I extends object>() {
  // biome-ignore lint/suspicious/noExplicitAny: each spec has its own type
  return <S extends { readonly [K in keyof Required<I>]: Spec<any> }>(
    name: string,
    specs: S & Record<Exclude<keyof S, keyof I>, never>,
    refine?: Refine<Resolved<S>>,
  ): OptionsSchema<Resolved<S>> => {
    const schema = new OptionsSchema<Resolved<S>>(name, specs, refine);
    schemas.push(schema as OptionsSchema<object>);
    return schema;
  };
}

/** The error for a key that is not an option, naming the closest one when one is close. */
function unknownOption(
  key: string,
  schema: { readonly name: string; readonly keys: readonly string[] },
  field: string,
): ValidationError {
  return unknownKey(key, schema.keys, field, `an option of ${schema.name}`, 'options');
}

/**
 * The error for `key` of the object at `field`, which is none of `known`: code
 * `VALIDATION_UNKNOWN`, field `<field>.<key>`, and the closest known key (`did you mean
 * 'types'?`), or when none is close, the list of them (`<kinds> are a, b, c`). The one rule of
 * options and of query inputs (scope, filters, page). @internal
 */
export function unknownKey(
  key: string,
  known: readonly string[],
  field: string,
  what: string,
  kinds: string,
): ValidationError {
  const closest = closestKey(key, known);
  const hint =
    closest === undefined ? `; ${kinds} are ${known.join(', ')}` : `; did you mean '${closest}'?`;
  return new ValidationError(`${field}.${key}`, 'VALIDATION_UNKNOWN', `is not ${what}${hint}`);
}

/**
 * The known key nearest to `key` (case aside, by edit distance with transpositions), when it is
 * near enough to be a typo: at most 2 edits (or a third of the key's length), or the same stem.
 * @internal
 */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const wanted = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(wanted.length / 3)) + 1;
  for (const candidate of known) {
    const lower = candidate.toLowerCase();
    // The same key in another case is the closest of all; a key that starts as a known one does
    // (`timeout`, `retry` for `timeoutMs`, `retries`) is as close as one typo.
    const d = lower === wanted ? 0 : sharesStem(wanted, lower) ? 1 : editDistance(wanted, lower);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Whether `a` and `b` start with the same 4 characters or more, and most of the shorter. */
function sharesStem(a: string, b: string): boolean {
  let n = 0;
  while (n < a.length && a[n] === b[n]) n += 1;
  return n >= Math.max(4, Math.ceil(Math.min(a.length, b.length) * 0.6));
}

/** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Number.POSITIVE_INFINITY;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const prev = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(
        (prev[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (prev[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row.push(d);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}
