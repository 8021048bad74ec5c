import { ValidationError } from '../../errors.js';
import { required } from '../../event/normalize.js';
import { knownFields, optionalText } from './fields.js';

/**
 * Whose events a read may see. Every read takes one and enforces it in SQL: only rows of
 * `userId`, and of `projectId` / `tenantId` when given. There is no unscoped read.
 */
export interface QueryScope {
  /** The user whose events are read. Required and non-empty. */
  readonly userId: string;
  /** Narrows the read to one project of the user. */
  readonly projectId?: string;
  /** Narrows the read to one tenant (organization) of the user. */
  readonly tenantId?: string;
}

/** A scope that names its tenant, as the tenant-wide reads (`recentErrors`) require. */
export interface TenantScope extends QueryScope {
  readonly tenantId: string;
}

/** A checked scope; absent parts are `null`. @internal */
export interface ResolvedScope {
  readonly userId: string;
  readonly projectId: string | null;
  readonly tenantId: string | null;
}

const KEYS = new Set(['userId', 'projectId', 'tenantId']);

/**
 * Checks a scope at run time, for callers the type system does not reach (plain JavaScript,
 * values from a request). A missing or empty `userId` and an unknown key (a typo that would
 * widen the read) are refused with a {@link ValidationError}. @internal
 */
export function resolveScope(scope: unknown, requireTenant = false): ResolvedScope {
  if (typeof scope !== 'object' || scope === null || Array.isArray(scope)) {
    throw new ValidationError(
      'scope.userId',
      'VALIDATION_REQUIRED',
      'a scope { userId } is required for every read',
    );
  }
  const s = knownFields(scope, 'scope', KEYS, 'a scope field', 'scope fields');
  const resolved = {
    userId: required(s.userId, 'scope.', 'userId'),
    projectId: optionalText(s.projectId, 'scope.', 'projectId'),
    tenantId: optionalText(s.tenantId, 'scope.', 'tenantId'),
  };
  if (requireTenant && resolved.tenantId === null) {
    throw new ValidationError('scope.tenantId', 'VALIDATION_REQUIRED', 'this read is per tenant');
  }
  return resolved;
}
