export {
  type CatalogEntries,
  type CatalogEntry,
  type CatalogEvent,
  defineCatalog,
  EventCatalog,
  type EventOf,
  event,
  type PayloadOf,
} from './catalog.js';
export type { SchemaInput, StandardResult, StandardSchema } from './standard-schema.js';
