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
    throw findProblem(payload, field, [], true) ?? notJson(field, 'cannot be serialized', cause);
  }
  const problem = checkShape(payload, field);
  if (problem) throw problem;
  if (json.includes('\\u0000') || json.includes('\\ud')) {
    const bad = findProblem(payload, field, [], true);
    if (bad) throw bad;
  }
  return json as string;
}

function notJson(field: string, what: string, cause?: unknown): ValidationError {
  return new ValidationError(field, 'VALIDATION_NOT_JSON', `${what}; payloads must be plain JSON`, {
    cause,
  });
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkValue(value: unknown, field: string): ValidationError | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : notJson(field, `${value} is not a JSON number`);
    case 'object':
      return value === null ? undefined : checkShape(value, field);
    default:
      return notJson(field, `a ${typeof value} is not a JSON value`);
  }
}

/** Type-only walk. Safe without cycle tracking because JSON.stringify already succeeded. */
function checkShape(value: object, field: string): ValidationError | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = checkValue(value[i], `${field}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isPlainObject(value)) {
    // Date and other values with toJSON serialize as what toJSON returns; anything else
    // (Map, Set, Error, class instances) would lose data silently.
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return undefined;
    return notJson(field, `a ${value.constructor?.name ?? 'non-plain'} object is not plain JSON`);
  }
  for (const key in value) {
    const problem = checkValue((value as Record<string, unknown>)[key], `${field}.${key}`);
    if (problem) return problem;
  }
  return undefined;
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

/** The slow, thorough walk: cycles, BigInt, and bad strings in keys and values. */
function findProblem(
  value: unknown,
  field: string,
  ancestors: object[],
  isRoot = false,
): ValidationError | undefined {
  if (typeof value === 'string') return checkString(value, field);
  if (typeof value === 'bigint') return notJson(field, 'a bigint is not a JSON value');
  if (typeof value !== 'object' || value === null)
    return isRoot ? undefined : checkValue(value, field);
  if (ancestors.includes(value)) return notJson(field, 'refers back to itself (a cycle)');
  if (!Array.isArray(value) && !isPlainObject(value)) return checkValue(value, field);
  ancestors.push(value);
  try {
    for (const key of Object.keys(value)) {
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
