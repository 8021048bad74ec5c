import { ValidationError } from '../errors.js';
import type { EventInput } from '../event/types.js';
import { defineOptions } from '../options/schema.js';
import { custom, type Spec } from '../options/spec.js';
import type { StandardResult, StandardSchema } from './standard-schema.js';

/** How one event type of a catalog is checked and routed. */
export interface CatalogEntry<TPayload extends object = object> {
  /**
   * Runtime check of the payload (any Standard Schema); its output replaces the payload.
   * @default none
   */
  readonly schema?: StandardSchema<TPayload, unknown>;
  /**
   * Broker routing key, or a function of the payload; the event's own `routingKey` wins.
   * @default none
   */
  readonly routingKey?: string | ((payload: TPayload) => string);
  /**
   * Broker priority (0–255), or a function of the payload; the event's own `priority` wins.
   * @default none
   */
  readonly priority?: number | ((payload: TPayload) => number);
}

/** A rule of an entry: a value that `fits`, or a function of the payload. */
function rule<T>(accepts: string, fits: (value: unknown) => boolean): Spec<T | undefined> {
  const what = `${accepts}, or a function of the payload`;
  return custom(what, (value, field) => {
    if (typeof value !== 'function' && !fits(value)) {
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${what}`);
    }
    return value as T;
  }).optional();
}

const STANDARD_SCHEMA = 'a Standard Schema (zod, valibot, arktype, ...)';

/** {@link CatalogEntry} as a table of specs. @internal */
const catalogEntry = defineOptions<CatalogEntry>()('CatalogEntry', {
  schema: custom(STANDARD_SCHEMA, (value, field) => {
    const standard = (value as Partial<StandardSchema> | null | undefined)?.['~standard'];
    if (typeof standard?.validate !== 'function') {
      throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${STANDARD_SCHEMA}`);
    }
    return value as StandardSchema<object, unknown>;
  }).optional(),
  routingKey: rule<CatalogEntry['routingKey']>('a string', (v) => typeof v === 'string'),
  priority: rule<CatalogEntry['priority']>(
    'an integer from 0 to 255',
    (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255,
  ),
});

/**
 * Declares one event type of a catalog. Give the payload type explicitly, or let it be taken
 * from `schema`: `event<{ tool_name: string }>()`, `event({ schema: z.object({ ... }) })`.
 */
export function event<TPayload extends object>(
  entry: CatalogEntry<TPayload> = {},
): CatalogEntry<TPayload> {
  return entry;
}

/** The entries of a catalog: event type → entry. */
// biome-ignore lint/suspicious/noExplicitAny: entries differ in payload type; each keeps its own
export type CatalogEntries = Record<string, CatalogEntry<any>>;

/** The payload type of one entry. */
export type PayloadOf<E> = E extends CatalogEntry<infer P> ? P : never;

/** An event of a catalog: its `type` picks the payload type (a discriminated union). */
export type CatalogEvent<TEntries extends CatalogEntries> = {
  [K in keyof TEntries & string]: Omit<EventInput<K>, 'type' | 'payload'> & {
    /** One of the catalog's types. */
    type: K;
    /** The payload that type declares. */
    payload: PayloadOf<TEntries[K]>;
  };
}[keyof TEntries & string];

/** What a logger (or outbox writer) bound to `TCatalog` accepts: catalog events, or any event. */
export type EventOf<TCatalog> =
  TCatalog extends EventCatalog<infer E> ? CatalogEvent<E> : EventInput;

/**
 * An application's events, declared once: each type's payload type, and optionally a runtime
 * schema, a routing key and a priority. Pass it as `catalog` to `EventLogger` (or the outbox
 * writer) and a wrong payload fails to compile, and at run time fails with a `ValidationError`
 * where a schema is given. Types not in the catalog are refused.
 */
export class EventCatalog<TEntries extends CatalogEntries = CatalogEntries> {
  /**
   * The catalog's entries as declared: event type → payload type, schema, routing key and priority.
   */
  readonly entries: Readonly<TEntries>;

  /**
   * @throws {ValidationError} for entries that are not an object, and for an entry with an unknown
   * key (`entries.<type>.<key>`) or a value of the wrong kind
   */
  constructor(entries: TEntries) {
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      const code = entries === undefined ? 'VALIDATION_REQUIRED' : 'VALIDATION_TYPE';
      throw new ValidationError('entries', code, 'must be an object of entries by event type');
    }
    for (const [type, entry] of Object.entries(entries)) {
      catalogEntry.resolve(entry, `entries.${type}`);
    }
    this.entries = Object.freeze({ ...entries });
  }

  /**
   * {@link EventCatalog.prepare} for a list; field names start with the index (`[3].payload.x`)
   * when `indexed`. Synchronous unless a schema is asynchronous. @internal
   */
  prepareAll(inputs: readonly EventInput[], indexed = true): EventInput[] | Promise<EventInput[]> {
    const prepared: (EventInput | Promise<EventInput>)[] = [];
    try {
      for (let i = 0; i < inputs.length; i++) {
        prepared.push(this.prepare(inputs[i] as EventInput, indexed ? `[${i}].` : ''));
      }
    } catch (error) {
      // The list is refused; checks already running must not end as unhandled rejections.
      for (const p of prepared) if (p instanceof Promise) p.catch(() => {});
      throw error;
    }
    return prepared.some((p) => p instanceof Promise)
      ? Promise.all(prepared)
      : (prepared as EventInput[]);
  }

  /** The event types of the catalog. */
  get types(): (keyof TEntries & string)[] {
    return Object.keys(this.entries);
  }

  /**
   * Checks an event against its entry and fills routing key and priority. Synchronous when the
   * schema is (zod, valibot and arktype schemas without async refinements are). @internal
   */
  prepare(input: EventInput, prefix = ''): EventInput | Promise<EventInput> {
    // Not an event at all: left to the envelope's validation, which says so.
    if (typeof input !== 'object' || input === null) return input;
    const type = input.type;
    const entry =
      typeof type === 'string' && Object.hasOwn(this.entries, type)
        ? this.entries[type]
        : undefined;
    if (entry === undefined) {
      throw new ValidationError(
        `${prefix}type`,
        'VALIDATION_RANGE',
        `"${String(type)}" is not in the event catalog`,
      );
    }
    if (!entry.schema) return route(input, entry, input.payload);
    let result: StandardResult<unknown> | Promise<StandardResult<unknown>>;
    try {
      result = entry.schema['~standard'].validate(input.payload);
    } catch (error) {
      throw unreadable(error, prefix);
    }
    return result instanceof Promise
      ? result.then(
          (r) => route(input, entry, checked(r, prefix)),
          (error) => {
            throw unreadable(error, prefix);
          },
        )
      : route(input, entry, checked(result, prefix));
  }
}

/** Builds an {@link EventCatalog}; `defineCatalog({ TOOL_REQUEST: event<{ tool_name: string }>() })`. */
export function defineCatalog<const TEntries extends CatalogEntries>(
  entries: TEntries,
): EventCatalog<TEntries> {
  return new EventCatalog(entries);
}

/** A schema that threw instead of answering: it could not read the payload (a getter, a proxy). */
function unreadable(error: unknown, prefix: string): ValidationError {
  return new ValidationError(
    `${prefix}payload`,
    'VALIDATION_UNREADABLE',
    'the schema threw while reading it',
    { cause: error },
  );
}

function checked(result: StandardResult<unknown>, prefix: string): object {
  if (result.issues === undefined) {
    const value = result.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ValidationError(
        `${prefix}payload`,
        'VALIDATION_TYPE',
        'the schema must produce a plain object',
      );
    }
    return value;
  }
  const [issue] = result.issues;
  const path = (issue?.path ?? []).map((segment) =>
    typeof segment === 'object' && segment !== null ? segment.key : segment,
  );
  const field = path.reduce<string>(
    (acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`),
    `${prefix}payload`,
  );
  throw new ValidationError(
    field,
    'VALIDATION_SCHEMA',
    issue?.message ?? 'does not match the schema',
  );
}

/** The event with the (checked) payload and the entry's routing key and priority filled in. */
function route(input: EventInput, entry: CatalogEntry, payload: object | undefined): EventInput {
  const routes = entry.routingKey !== undefined || entry.priority !== undefined;
  if (!routes && payload === input.payload) return input;
  return {
    ...input,
    payload: payload as EventInput['payload'],
    routingKey: pick(input.routingKey, entry.routingKey, payload) ?? null,
    priority: pick(input.priority, entry.priority, payload) ?? null,
  };
}

/** The event's own value, else the entry's rule (a value, or a function of the payload). */
function pick<T>(
  own: T | null | undefined,
  rule: T | ((payload: object) => T) | undefined,
  payload: object | undefined,
): T | undefined {
  if (own !== undefined && own !== null) return own;
  return typeof rule === 'function' ? (rule as (p: object) => T)(payload ?? {}) : rule;
}
