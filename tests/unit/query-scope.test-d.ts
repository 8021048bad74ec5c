/** A read without a scope, or with a scope lacking userId, does not compile. */
import { describe, expectTypeOf, it } from 'vitest';
import type { EventQueries, QueryScope, TenantScope } from '../../src/postgres/index.js';

declare const queries: EventQueries;

describe('query scope types', () => {
  it('requires a scope with a userId on every read', () => {
    expectTypeOf<QueryScope>().toHaveProperty('userId').toEqualTypeOf<string>();
    // @ts-expect-error no scope
    void queries.listEvents();
    // @ts-expect-error a scope without userId
    void queries.listEvents({ projectId: 'p' });
    // @ts-expect-error a misspelt scope field
    void queries.countsByType({ userId: 'u', projectID: 'p' });
    // @ts-expect-error recent errors are per tenant
    void queries.recentErrors({ userId: 'u' });
    expectTypeOf(queries.recentErrors).parameter(0).toEqualTypeOf<TenantScope>();
  });
});
