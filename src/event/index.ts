export type { JsonObject, JsonValue } from './json.js';
export { DEFAULT_MAX_PAYLOAD_BYTES, type NormalizeOptions, normalizeEvent } from './normalize.js';
export { eventToJson } from './serialize.js';
export type { EventInput, EventRecord } from './types.js';
export { isUuid, uuidv7 } from './uuid.js';
