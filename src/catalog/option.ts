import { ValidationError } from '../errors.js';
import { custom, type Spec } from '../options/spec.js';
import type { EventCatalog } from './catalog.js';

const ACCEPTS = 'an EventCatalog (defineCatalog)';

/**
 * The `catalog` option of the logger and the outbox writer: the application's event catalog,
 * or none. @internal
 */
export function catalogSpec(): Spec<EventCatalog | undefined> {
  return custom(ACCEPTS, (value, field) => {
    const catalog = value as Partial<EventCatalog> | null;
    if (typeof catalog?.prepare !== 'function' || typeof catalog.prepareAll !== 'function') {
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${ACCEPTS}`);
    }
    return catalog as EventCatalog;
  }).optional();
}
