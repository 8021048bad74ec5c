import { ValidationError } from '../errors.js';

/** A value JSON represents faithfully. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
/** A JSON object: what an event payload is. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * Serializes a payload to JSON text and proves that the text says everything the object said.
 * `JSON.stringify` alone would silently drop functions and `undefined`, turn NaN into null and a
 * Map into `{}`, and accept strings that Postgres' jsonb refuses (\u0000, lone surrogates); each
 * of those is a {@link ValidationError} naming the field here.
 *
 * Cost: one native `JSON.stringify` plus one walk over the value that checks only types; the
 * slower string checks run only when the serialized text shows an escape that needs them.
 * @internal
 */
export function serializePayload(payload: object, field: string): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(payload);
  } catch (cause) {
    // A cycle or a BigInt. Walk again with cycle tracking to name the field.
    throw findProblem(payload, field, []) ?? notJson(field, 'cannot be serialized', cause);
  }
  // The fast walk only answers yes or no; the slow one names the field when the answer is no,
  // and also finds \u0000 and lone surrogates when the text shows an escape that may be one.
  if (!isFaithful(payload) || json.includes('\\u0000') || json.includes('\\ud')) {
    const problem = findProblem(payload, field, []);
    if (problem) throw problem;
  }
  return json as string;
}

function notJson(field: string, what: string, cause?: unknown): ValidationError {
  return new ValidationError(field, 'VALIDATION_NOT_JSON', `${what}; payloads must be plain JSON`, {
    cause,
  });
}

/** An object literal (or `Object.create(null)`): what a payload must be. @internal */
export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Objects JSON cannot take at face value, but whose `toJSON` (Date) says what they mean. */
function hasToJson(value: object): boolean {
  return typeof (value as { toJSON?: unknown }).toJSON === 'function';
}

/**
 * Type-only walk: true when JSON.stringify said everything the value says. Allocates nothing.
 * Safe without cycle tracking because JSON.stringify already succeeded on the same graph.
 */
function isFaithful(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!isFaithful(value[i])) return false;
        return true;
      }
      if (!isPlainObject(value)) return hasToJson(value);
      for (const key in value)
        if (!isFaithful((value as Record<string, unknown>)[key])) return false;
      return true;
    }
    default:
      return false;
  }
}

/** Why a leaf or non-plain value is not faithful JSON, if it is not. */
function leafProblem(value: unknown, field: string): ValidationError | undefined {
  switch (typeof value) {
    case 'string':
      return checkString(value, field);
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : notJson(field, `${value} is not a JSON number`);
    case 'object':
      if (value === null || hasToJson(value)) return undefined;
      return notJson(field, `a ${value.constructor?.name ?? 'non-plain'} object is not plain JSON`);
    default:
      return notJson(field, `a ${typeof value} is not a JSON value`);
  }
}

function checkString(value: string, field: string): ValidationError | undefined {
  if (value.includes('\u0000')) {
    return new ValidationError(
      field,
      'VALIDATION_BAD_STRING',
      'contains \\u0000, which Postgres refuses',
    );
  }
  if (!value.isWellFormed()) {
    return new ValidationError(field, 'VALIDATION_BAD_STRING', 'contains a lone UTF-16 surrogate');
  }
  return undefined;
}

/** The slow, thorough walk: names the field of the first problem, cycles included. */
function findProblem(
  value: unknown,
  field: string,
  ancestors: object[],
): ValidationError | undefined {
  const container =
    typeof value === 'object' && value !== null && (Array.isArray(value) || isPlainObject(value));
  if (!container) return leafProblem(value, field);
  if (ancestors.includes(value)) return notJson(field, 'refers back to itself (a cycle)');
  ancestors.push(value);
  try {
    const keys = Array.isArray(value) ? Array.from(value.keys(), String) : Object.keys(value);
    for (const key of keys) {
      const child = Array.isArray(value) ? `${field}[${key}]` : `${field}.${key}`;
      const problem =
        checkString(key, `${field} key "${key}"`) ??
        findProblem((value as Record<string, unknown>)[key], child, ancestors);
      if (problem) return problem;
    }
  } finally {
    ancestors.pop();
  }
  return undefined;
}
