import { ValidationError } from '../../errors.js';
import { toDate } from '../../event/normalize.js';
import { custom, type Spec } from '../../options/spec.js';
import { type ResolvedFilters, resolveFilters } from './filters.js';
import { type ResolvedScope, resolveScope } from './scope.js';

/**
 * Runs `resolve`, whose errors name fields under `prefix` (`scope.userId`), and names them under
 * `field` instead (`options.scope.userId`).
 */
function under<T>(field: string, prefix: string, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (!(error instanceof ValidationError) || !error.field.startsWith(prefix)) throw error;
    const renamed = field + error.field.slice(prefix.length);
    const message = error.message.slice(error.field.length + 2);
    throw new ValidationError(renamed, error.code, message, { cause: error.cause });
  }
}

const isObject = (value: unknown) =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A `scope` option (`{ userId, projectId?, tenantId? }`), checked as every read's scope is;
 * absent means every scope (documented as `doc`). @internal
 */
export function scopeSpec(doc: string): Spec<ResolvedScope | undefined> {
  const accepts = 'a scope { userId, projectId?, tenantId? }';
  return custom(accepts, (value, field) => {
    if (!isObject(value)) throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${accepts}`);
    return under(field, 'scope', () => resolveScope(value));
  }).optional(doc);
}

/**
 * A `filters` option, checked as every read's filters are. With `time: false` its `from` and
 * `to` are refused: the option of that name beside it says where the read starts and ends.
 * @internal
 */
export function filtersSpec(time: boolean): Spec<ResolvedFilters> {
  return custom('filters', (value, field) => {
    if (!isObject(value)) throw new ValidationError(field, 'VALIDATION_TYPE', 'must be filters');
    if (!time) {
      for (const key of ['from', 'to'] as const) {
        if ((value as Record<string, unknown>)[key] !== undefined) {
          const parent = field.replace(/\.filters$/, '');
          throw new ValidationError(`${field}.${key}`, 'VALIDATION_RANGE', `use ${parent}.${key}`);
        }
      }
    }
    return under(field, 'filters', () => resolveFilters(value));
  }).default(resolveFilters({}), '{}');
}

/** `value` as a valid `Date` within Postgres's range (a Date, nothing else). @internal */
export function date(value: unknown, field: string): Date {
  if (!(value instanceof Date)) {
    throw new ValidationError(field, 'VALIDATION_TYPE', 'must be a Date');
  }
  return toDate(value, field);
}
