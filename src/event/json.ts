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
 * The deepest nesting of objects and arrays a payload may have (the payload itself is level 1).
 * Postgres parses jsonb recursively and refuses, with the server's stack limit, much deeper
 * documents; 1000 levels stay far below that limit on any server.
 */
export const MAX_PAYLOAD_DEPTH = 1000;

/**
 * Serializes a payload to JSON text and proves that the text says everything the object said:
 * the snapshot taken at intake. `JSON.stringify` alone would silently drop functions and
 * `undefined`, turn NaN into null and a Map into `{}`, and accept strings that Postgres' jsonb
 * refuses (\u0000, lone surrogates). Every way the payload can fail, including a getter, a
 * `toJSON` or a proxy trap that throws, nesting beyond {@link MAX_PAYLOAD_DEPTH} and text beyond
 * what a string can hold, is a {@link ValidationError} naming `field` (or the field within it).
 *
 * Cost: one native `JSON.stringify` plus one walk over the value that checks only types (it
 * allocates nothing); the slow walk that names the field runs only when there is a problem.
 * @internal
 */
export function serializePayload(payload: object, field: string): string {
  let json: string;
  let problem: ValidationError | undefined;
  try {
    // An array given Object.prototype passes the prototype test, and is still written as [...].
    if (!isPlainObject(payload) || Array.isArray(payload)) {
      throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a plain JSON object');
    }
    json = JSON.stringify(payload);
    const faithful = isFaithfulObject(payload, 1);
    // A \u escape is a control character (fine) or \u0000 / a lone surrogate (refused).
    if (faithful && !(json.includes('\\u') && SUSPECT_ESCAPE.test(json))) return json;
    problem = findProblem(payload, field, { root: field, ancestors: [] }, 1);
    // The type walk saw a problem that the naming walk no longer sees: the payload changes
    // as it is read. Only the escapes may be a false alarm (a string with a backslash and u).
    if (problem === undefined && !faithful) problem = unreadable(field, undefined);
  } catch (cause) {
    if (cause instanceof ValidationError) throw cause;
    throw explain(payload, field, cause);
  }
  if (problem) throw problem;
  return json;
}

/** `\u0000` or a UTF-16 surrogate as `JSON.stringify` escapes them (it escapes only lone ones). */
const SUSPECT_ESCAPE = /\\u(?:0000|d[89a-f])/;

/** What went wrong when reading the payload threw `cause` (JSON.stringify or a walk did). */
function explain(payload: object, field: string, cause: unknown): ValidationError {
  try {
    const problem = findProblem(payload, field, { root: field, ancestors: [] }, 1);
    if (problem) return problem;
  } catch (error) {
    return unreadable(field, error);
  }
  if (cause instanceof RangeError) {
    // Not nesting (the walk would have said so): the text is longer than a string can be.
    return new ValidationError(field, 'VALIDATION_TOO_LARGE', 'is too large to serialize', {
      cause,
    });
  }
  return unreadable(field, cause);
}

/** Reading the payload threw (a getter, `toJSON` or proxy trap), or it changed under us. */
function unreadable(field: string, cause: unknown): ValidationError {
  if (cause instanceof RangeError) {
    return new ValidationError(field, 'VALIDATION_TOO_DEEP', 'is nested too deeply to read', {
      cause,
    });
  }
  return new ValidationError(
    field,
    'VALIDATION_UNREADABLE',
    cause === undefined
      ? 'reads differently each time it is read (a getter, proxy or toJSON)'
      : 'threw while being read (a getter, proxy or toJSON)',
    { cause },
  );
}

function notJson(field: string, what: string): ValidationError {
  return new ValidationError(field, 'VALIDATION_NOT_JSON', `${what}; payloads must be plain JSON`);
}

/** An object literal (or `Object.create(null)`): what a payload must be. */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The `toJSON` method JSON.stringify would call on `value`, if any (Date, Buffer, ...). */
function toJsonOf(value: object): ((key: string) => unknown) | undefined {
  const method = (value as { toJSON?: unknown }).toJSON;
  return typeof method === 'function' ? (method as (key: string) => unknown) : undefined;
}

/**
 * Type-only walk: true when JSON.stringify said everything the value says. Allocates nothing.
 * Safe without cycle tracking because JSON.stringify already succeeded on the same graph; a
 * getter that now answers with a cycle ends at the depth limit.
 */
function isFaithful(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      return value === null || isFaithfulObject(value, depth);
    default:
      return false;
  }
}

/**
 * {@link isFaithful} of an object at nesting level `depth`. Strings, the commonest members, are
 * accepted in the loop itself: a call per leaf costs as much as the rest of the walk.
 */
function isFaithfulObject(value: object, depth: number): boolean {
  if (depth > MAX_PAYLOAD_DEPTH) return false;
  if (Array.isArray(value)) {
    if (toJsonOf(value) !== undefined) return false;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== 'string' && !isFaithful(item, depth + 1)) return false;
    }
    return true;
  }
  if (!isPlainObject(value)) return hasFaithfulToJson(value, depth);
  // A toJSON of its own, even one for...in does not list, replaces what the members say.
  return toJsonOf(value) === undefined && hasFaithfulMembers(value, depth);
}

/** {@link isFaithful} of the members of a plain object at nesting level `depth`. */
function hasFaithfulMembers(value: object, depth: number): boolean {
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (typeof item !== 'string' && !isFaithful(item, depth + 1)) return false;
  }
  return true;
}

/** A Date, or another object whose `toJSON` answers with faithful JSON (a valid Date does). */
function hasFaithfulToJson(value: object, depth: number): boolean {
  const toJson = toJsonOf(value);
  if (toJson === undefined) return false;
  const out = toJson.call(value, '');
  return out !== null ? isFaithful(out, depth) : !(value instanceof Date);
}

/** Why a leaf or non-plain value is not faithful JSON, if it is not. */
function leafProblem(
  value: unknown,
  field: string,
  walk: Walk,
  depth: number,
): ValidationError | undefined {
  switch (typeof value) {
    case 'string':
      return checkString(value, field);
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : notJson(field, `${value} is not a JSON number`);
    case 'object': {
      if (value === null) return undefined;
      const toJson = toJsonOf(value);
      if (toJson === undefined)
        return notJson(field, `a ${kindOf(value)} object is not plain JSON`);
      const out = toJson.call(value, '');
      if (out === null && value instanceof Date) return notJson(field, 'an invalid Date');
      return findProblem(out, `${field}.toJSON()`, walk, depth + 1);
    }
    default:
      return notJson(
        field,
        `${value === undefined ? 'undefined' : `a ${typeof value}`} is not a JSON value`,
      );
  }
}

function kindOf(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? name : 'non-plain';
}

/**
 * `\u0000` and lone surrogates, which Postgres refuses in text and jsonb. Used for every string
 * of an event, envelope and payload alike. @internal
 */
export function checkString(value: string, field: string): ValidationError | undefined {
  if (isStorable(value)) return undefined;
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

/** Whether Postgres stores `value` as text: no `\u0000`, no lone surrogate. @internal */
export function isStorable(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

/** What the slow walk carries down: the payload's own field, and the containers it is inside. */
interface Walk {
  readonly root: string;
  readonly ancestors: object[];
}

/**
 * The slow, thorough walk: names the field of the first problem, cycles and depth included.
 * May throw what the payload throws; {@link explain} turns that into a ValidationError.
 */
function findProblem(
  value: unknown,
  field: string,
  walk: Walk,
  depth: number,
): ValidationError | undefined {
  if (typeof value === 'object' && value !== null && depth > MAX_PAYLOAD_DEPTH) {
    // Named by its root: the path of the thousandth level is no help to anyone.
    return new ValidationError(
      walk.root,
      'VALIDATION_TOO_DEEP',
      `is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`,
    );
  }
  const container =
    typeof value === 'object' && value !== null && (Array.isArray(value) || isPlainObject(value));
  if (!container) return leafProblem(value, field, walk, depth);
  const ancestors = walk.ancestors;
  if (ancestors.includes(value)) return notJson(field, 'refers back to itself (a cycle)');
  if (toJsonOf(value) !== undefined) {
    const what = Array.isArray(value) ? 'an array' : 'an object';
    return notJson(field, `${what} with a toJSON method is not plain JSON`);
  }
  ancestors.push(value);
  try {
    const keys = Array.isArray(value) ? Array.from(value.keys(), String) : Object.keys(value);
    for (const key of keys) {
      const child = Array.isArray(value) ? `${field}[${key}]` : `${field}.${key}`;
      const problem =
        checkString(key, `${field} key "${key}"`) ??
        findProblem((value as Record<string, unknown>)[key], child, walk, depth + 1);
      if (problem) return problem;
    }
  } finally {
    ancestors.pop();
  }
  return undefined;
}
