import { ValidationError } from '../../errors.js';
import { required, toDate } from '../../event/normalize.js';
import { knownFields, optionalText } from './fields.js';

/** A point in time: a Date, an ISO 8601 string or epoch milliseconds. */
export type TimeInput = Date | string | number;

/**
 * Which events a read returns, within its scope. Every field is optional; the fields given are
 * combined with AND. Strings are compared exactly (no patterns) and always sent as parameters.
 */
export interface EventFilters {
  /** Only events of these types (1 to 100 of them). */
  readonly types?: readonly string[];
  /** Only events of this agent. */
  readonly agentId?: string;
  /** Only events of this session. */
  readonly sessionId?: string;
  /** Only events about this business object, e.g. `{ type: 'bom', id: 'bom-7' }`. */
  readonly aggregate?: {
    /** Kind of the business object, e.g. `bom`. */
    readonly type: string;
    /** Its id. */
    readonly id: string;
  };
  /** Only events of this workflow run. */
  readonly workflowId?: string;
  /** Only events with this (denormalized) error code. */
  readonly errorCode?: string;
  /** Only events with this (denormalized) tool name. */
  readonly toolName?: string;
  /** Only events recorded under this W3C trace id (32 hex digits, as stored). */
  readonly traceId?: string;
  /** Only errors: events of type `ERROR` (in any case) or with an error code. @default false */
  readonly errorsOnly?: boolean;
  /** Only events created at or after this time (`created_at`, inclusive). */
  readonly from?: TimeInput;
  /** Only events created before this time (`created_at`, exclusive). */
  readonly to?: TimeInput;
}

/** Checked filters; absent ones are `null`, types sorted and unique. @internal */
export interface ResolvedFilters {
  readonly types: readonly string[] | null;
  readonly agentId: string | null;
  readonly sessionId: string | null;
  readonly aggregateType: string | null;
  readonly aggregateId: string | null;
  readonly workflowId: string | null;
  readonly errorCode: string | null;
  readonly toolName: string | null;
  readonly traceId: string | null;
  readonly errorsOnly: boolean;
  readonly from: Date | null;
  readonly to: Date | null;
}

/** The most event types one filter may list. */
export const MAX_FILTER_TYPES = 100;

const STRING_FILTERS = [
  'agentId',
  'sessionId',
  'workflowId',
  'errorCode',
  'toolName',
  'traceId',
] as const;
const KEYS = new Set<string>([...STRING_FILTERS, 'types', 'aggregate', 'errorsOnly', 'from', 'to']);

function types(value: unknown): string[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) {
    throw new ValidationError('filters.types', 'VALIDATION_TYPE', 'must be an array of strings');
  }
  if (value.length === 0 || value.length > MAX_FILTER_TYPES) {
    throw new ValidationError(
      'filters.types',
      'VALIDATION_RANGE',
      `must list 1 to ${MAX_FILTER_TYPES} types`,
    );
  }
  const checked = value.map((type, i) => required(type, 'filters.types', `[${i}]`));
  return [...new Set(checked)].sort();
}

function aggregate(value: unknown): { type: string | null; id: string | null } {
  if (value === undefined) return { type: null, id: null };
  if (typeof value !== 'object' || value === null) {
    throw new ValidationError('filters.aggregate', 'VALIDATION_TYPE', 'must be { type, id }');
  }
  const { type, id } = value as Record<string, unknown>;
  return {
    type: required(type, 'filters.aggregate.', 'type'),
    id: required(id, 'filters.aggregate.', 'id'),
  };
}

function time(value: unknown, name: string): Date | null {
  return value === undefined ? null : toDate(value, `filters.${name}`);
}

/**
 * Checks filters at run time and puts them in one canonical form. Unknown keys are refused:
 * a misspelt filter must not silently widen a read. @internal
 */
export function resolveFilters(filters: unknown = {}): ResolvedFilters {
  const f = knownFields(filters, 'filters', KEYS, 'a known filter', 'filters');
  if (f.errorsOnly !== undefined && typeof f.errorsOnly !== 'boolean') {
    throw new ValidationError('filters.errorsOnly', 'VALIDATION_TYPE', 'must be a boolean');
  }
  const { type: aggregateType, id: aggregateId } = aggregate(f.aggregate);
  const resolved: ResolvedFilters = {
    types: types(f.types),
    agentId: optionalText(f.agentId, 'filters.', 'agentId'),
    sessionId: optionalText(f.sessionId, 'filters.', 'sessionId'),
    aggregateType,
    aggregateId,
    workflowId: optionalText(f.workflowId, 'filters.', 'workflowId'),
    errorCode: optionalText(f.errorCode, 'filters.', 'errorCode'),
    toolName: optionalText(f.toolName, 'filters.', 'toolName'),
    traceId: optionalText(f.traceId, 'filters.', 'traceId'),
    errorsOnly: f.errorsOnly === true,
    from: time(f.from, 'from'),
    to: time(f.to, 'to'),
  };
  if (resolved.from && resolved.to && resolved.to < resolved.from) {
    throw new ValidationError('filters.to', 'VALIDATION_RANGE', 'must not be before filters.from');
  }
  return resolved;
}
