import { ValidationError } from '../../errors.js';
import { defineOptions } from '../../options/schema.js';
import { custom, type Spec } from '../../options/spec.js';
import type { TableNames } from '../sql/names.js';
import { GRAINS } from '../sql/rollups.js';
import { EVENT_DIMENSIONS, EVENT_LEVELS, type RollupLevel } from './levels.js';

/**
 * A payload value: a top-level key (`'gen_ai.request.model'`, dots and all), or a path of keys
 * into nested objects (`['usage', 'input_tokens']`).
 */
export interface RollupPayloadField {
  /** The payload key, or the path of keys to a nested value. */
  readonly payload: string | readonly string[];
}

/** Where a dimension or a measure of a custom rollup is read from. */
export type RollupField =
  /** An event field. */
  | {
      /** The event field's name. */
      readonly field:
        | 'type'
        | 'agentId'
        | 'toolName'
        | 'errorCode'
        | 'aggregateType'
        | 'aggregateId'
        | 'source';
    }
  | RollupPayloadField;

/** A custom rollup, as {@link defineRollup} takes it. */
export interface RollupDefinitionInput {
  /**
   * The rollup's name: lowercase letters, digits and `_`, starting with a letter, at most 40;
   * its table is `rollup_<name>` in eventrail's schema. `events` is the built-in one's.
   */
  readonly name: string;
  /** Only events of these types. @default every type */
  readonly types?: readonly string[];
  /**
   * What the counts are split by, beyond the scope and the time bucket (at most 8): a value
   * missing from an event counts under `null`. Values are read as text.
   */
  readonly dimensions: Readonly<Record<string, RollupField>>;
  /**
   * Numbers summed per bucket and dimensions (at most 8): a payload value that is not a JSON
   * number adds nothing. @default none: events are counted only
   */
  readonly sums?: Readonly<Record<string, RollupPayloadField>>;
}

/** A checked custom rollup: give it to `RollupWorker`, `rebuildRollups` and `EventQueries.rollup`. */
export interface RollupDefinition {
  /** The rollup's name; its table is `rollup_<name>`. */
  readonly name: string;
  /** The event types it counts, or null for every type. */
  readonly types: readonly string[] | null;
  /** What its counts are split by, beyond the scope and the time bucket. */
  readonly dimensions: Readonly<Record<string, RollupField>>;
  /** The payload numbers it sums per bucket and dimensions (none: `{}`). */
  readonly sums: Readonly<Record<string, RollupPayloadField>>;
}

/** How the SQL of one rollup is made: its table, its columns and how each is read from an event `e`. @internal */
export interface RollupShape {
  readonly name: string;
  readonly table: string;
  /**
   * Its dimension columns and their expressions over `e` (text; NULL where the event has none,
   * stored as `storedDimension` says).
   */
  readonly dimensions: readonly { readonly column: string; readonly expr: string }[];
  /** Its summed columns and their expressions over `e` (numeric or NULL). */
  readonly sums: readonly { readonly column: string; readonly expr: string }[];
  /** Its levels (the built-in one keeps its events at several, see `EVENT_LEVELS`). */
  readonly levels: readonly RollupLevel[];
  /** Which events it counts (a condition on `e`). */
  readonly where: string;
  /** The definition as stored in `rollups.definition` (null: the built-in rollup). */
  readonly stored: RollupDefinition | null;
}

/** Definitions made by {@link defineRollup}: a plain object of the same shape is checked by it. */
const DEFINED = new WeakSet<object>();
const NAME = /^[a-z][a-z0-9_]{0,39}$/;
const KEY = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;
const COLUMNS: Record<string, string> = {
  type: 'event_type',
  agentId: 'agent_id',
  toolName: 'tool_name',
  errorCode: 'error_code',
  aggregateType: 'aggregate_type',
  aggregateId: 'aggregate_id',
  source: 'source',
};

/** A literal SQL string: single quotes doubled (the value is checked text, never a parameter here). */
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** The SQL of `e`'s value at `at`: a column, or a payload value as jsonb. */
function payloadPath(path: readonly string[]): string {
  return `e.payload #> ARRAY[${path.map(literal).join(', ')}]::text[]`;
}

function checkField(value: unknown, field: string, summed: boolean): RollupField {
  const f = value as { field?: unknown; payload?: unknown } | null;
  if (!summed && typeof f?.field === 'string' && f.field in COLUMNS && f.payload === undefined) {
    return { field: f.field as never };
  }
  const path = typeof f?.payload === 'string' ? [f.payload] : f?.payload;
  if (
    Array.isArray(path) &&
    path.length > 0 &&
    path.length <= 8 &&
    path.every(
      (k) => typeof k === 'string' && k.length > 0 && k.length <= 200 && !k.includes('\u0000'),
    ) &&
    f?.field === undefined
  ) {
    return { payload: typeof f?.payload === 'string' ? f.payload : [...(path as string[])] };
  }
  const accepts = summed
    ? '{ payload: key or path of keys }'
    : `{ field: ${Object.keys(COLUMNS).join(' | ')} } or { payload: key or path of keys }`;
  throw new ValidationError(field, 'VALIDATION_TYPE', `must be ${accepts}`);
}

function checkMap(value: unknown, field: string, summed: boolean, required: boolean) {
  if (value === undefined && !required) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(field, 'VALIDATION_TYPE', 'must be an object of named fields');
  }
  const entries = Object.entries(value);
  if ((required && entries.length === 0) || entries.length > 8) {
    throw new ValidationError(field, 'VALIDATION_RANGE', `must name ${required ? '1' : '0'} to 8`);
  }
  return Object.fromEntries(
    entries.map(([key, f]) => {
      if (!KEY.test(key)) {
        throw new ValidationError(
          `${field}.${key}`,
          'VALIDATION_RANGE',
          'must be a name of letters, digits and _ (at most 40)',
        );
      }
      return [key, checkField(f, `${field}.${key}`, summed)];
    }),
  );
}

const definitionOptions = defineOptions<RollupDefinitionInput>()('RollupDefinitionInput', {
  name: custom('a rollup name', (value, field) => {
    if (typeof value !== 'string' || !NAME.test(value) || value === 'events') {
      throw new ValidationError(
        field,
        'VALIDATION_RANGE',
        "must be lowercase letters, digits and _ (a letter first, at most 40), not 'events'",
      );
    }
    return value;
  }),
  types: custom('event types', (value, field) => {
    const ok = (t: unknown) => typeof t === 'string' && t.length > 0 && t.length <= 200;
    if (!Array.isArray(value) || value.length === 0 || !value.every(ok)) {
      throw new ValidationError(
        field,
        'VALIDATION_TYPE',
        'must be a non-empty array of event types',
      );
    }
    return [...value] as readonly string[];
  }).optional('every type'),
  dimensions: custom('named fields', (value, field) => checkMap(value, field, false, true)),
  sums: custom('named payload fields', (value, field) =>
    checkMap(value, field, true, false),
  ).optional('none: events are counted only'),
});

/**
 * Checks a custom rollup (a `ValidationError` naming the field) and returns it frozen. A
 * `RollupWorker` with it keeps `rollup_<name>`: events and the `sums` per scope, bucket (quarter
 * hour, hour, UTC day) and `dimensions`, with the built-in rollup's guarantees (exact reads, folds
 * in commit order exactly once, retention, rebuild).
 *
 * ```ts
 * const tokensByModel = defineRollup({
 *   name: 'tokens_by_model',
 *   types: ['LLM_CALL'],
 *   dimensions: { model: { payload: 'gen_ai.request.model' } },
 *   sums: { inputTokens: { payload: 'gen_ai.usage.input_tokens' } },
 * });
 * ```
 */
export function defineRollup(input: RollupDefinitionInput): RollupDefinition {
  const o = definitionOptions.resolve(input, 'definition');
  const sums = (o.sums ?? {}) as Record<string, RollupPayloadField>;
  const clash = Object.keys(sums).find((k) => k in o.dimensions);
  if (clash !== undefined) {
    throw new ValidationError(
      `definition.sums.${clash}`,
      'VALIDATION_RANGE',
      'is also a dimension',
    );
  }
  const definition = Object.freeze({
    name: o.name,
    types: o.types ?? null,
    dimensions: o.dimensions,
    sums,
  });
  DEFINED.add(definition);
  return definition;
}

/** JSON with every object's keys sorted: jsonb keeps its own key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Whether `stored` (a `rollups.definition` as read back) is `shape`'s definition: a rollup
 * whose stored definition differs was built for another one (a worker of another version of
 * the host started it over), and its rows do not answer this one's reads. @internal
 */
export function sameDefinition(stored: unknown, shape: RollupShape): boolean {
  return canonical(stored) === canonical(shape.stored);
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The built-in rollup: every event, by type, agent, error code and tool. @internal */
export function eventsShape(names: TableNames): RollupShape {
  const column = (name: string) => ({ column: name, expr: `e.${name}` });
  return {
    name: 'events',
    table: names.eventRollups,
    dimensions: EVENT_DIMENSIONS.map(column),
    sums: [],
    levels: EVENT_LEVELS,
    where: 'true',
    stored: null,
  };
}

/** The shape of a custom rollup, in eventrail's schema `names`. @internal */
export function customShape(names: TableNames, definition: RollupDefinition): RollupShape {
  const text = (f: RollupField) =>
    'field' in f
      ? `e.${COLUMNS[f.field]}`
      : `(${payloadPath(typeof f.payload === 'string' ? [f.payload] : f.payload)}) #>> '{}'`;
  const number = (f: RollupField) => {
    const at = payloadPath(
      'payload' in f ? (typeof f.payload === 'string' ? [f.payload] : f.payload) : [],
    );
    return `CASE WHEN jsonb_typeof(${at}) = 'number' THEN (${at} #>> '{}')::numeric END`;
  };
  const dimensions = Object.entries(definition.dimensions).map(([k, f]) => ({
    column: `d_${snake(k)}`,
    expr: text(f),
  }));
  const keeps = dimensions.map((d) => d.column);
  return {
    name: definition.name,
    table: `${names.schemaSql}."rollup_${definition.name}"`,
    dimensions,
    levels: [{ id: 0, keeps, errorsOnly: false, grains: GRAINS }],
    sums: Object.entries(definition.sums).map(([k, f]) => ({
      column: `s_${snake(k)}`,
      expr: number(f),
    })),
    where:
      definition.types === null
        ? 'true'
        : `e.event_type IN (${definition.types.map(literal).join(', ')})`,
    stored: definition,
  };
}

/**
 * The shape of the rollup named `name` as `rollups.definition` stored it (null: the built-in),
 * checked again: it is read from the database. @internal
 */
export function storedShape(names: TableNames, name: string, stored: unknown): RollupShape {
  if (stored === null || stored === undefined) return eventsShape(names);
  const d = stored as RollupDefinition;
  const checked = defineRollup({
    name,
    ...(d.types !== null && { types: d.types }),
    dimensions: d.dimensions,
    sums: d.sums,
  });
  return customShape(names, checked);
}

/** The `rollup` option: a definition of {@link defineRollup} (checked again when not one). @internal */
export function rollupDefinitionSpec(): Spec<RollupDefinition | undefined> {
  return custom('a rollup of defineRollup()', (value, field) => {
    if (typeof value === 'object' && value !== null && DEFINED.has(value)) {
      return value as RollupDefinition;
    }
    try {
      const { types, ...rest } = (value ?? {}) as RollupDefinition;
      return defineRollup({ ...rest, ...(types !== null && types !== undefined && { types }) });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      throw new ValidationError(
        field,
        error.code,
        `must be a rollup of defineRollup(): ${error.message}`,
      );
    }
  }).optional('the built-in one (`event_rollups`)');
}
