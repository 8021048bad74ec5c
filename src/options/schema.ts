/**
 * The options of one public constructor or function as a table of specs ({@link defineOptions}),
 * and the record of every such table, against which the documentation is checked.
 */
import { ValidationError } from '../errors.js';
import { unknownKey } from './closest.js';
import type { Spec, SpecType } from './spec.js';

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
 * The rule "`max` is at least `min`" of two numeric options: when only `min` was given above the
 * default of `max`, `max` follows it; when `max` was given below `min`, it is refused with a
 * {@link ValidationError} naming `max`. @internal
 */
export function atLeast<K extends string>(max: K, min: K) {
  return <T extends Readonly<Record<K, number>>>(
    resolved: T,
    given: Readonly<Record<string, unknown>>,
    field: string,
  ): T => {
    if (resolved[max] >= resolved[min]) return resolved;
    if (given[max] === undefined) return { ...resolved, [max]: resolved[min] };
    throw new ValidationError(`${field}.${max}`, 'VALIDATION_RANGE', `must be at least ${min}`);
  };
}

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
 * test holds the interface's TSDoc (`@default`) and the guides' options tables to it.
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
