import { ValidationError } from '../../errors.js';
import { custom, type Spec } from '../../options/spec.js';
import { DEFAULT_SCHEMA } from '../schema/constants.js';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const ACCEPTS = 'a plain Postgres identifier (letters, digits, _; at most 63)';

/** Quotes a validated identifier. @internal */
export function quoteIdentifier(name: string): string {
  return `"${name}"`;
}

/** Fully qualified, quoted names of eventrail's relations in one Postgres schema. @internal */
export interface TableNames {
  readonly schema: string;
  /** `"schema"` */
  readonly schemaSql: string;
  readonly eventLogs: string;
  readonly eventOutbox: string;
  readonly eventInbox: string;
  readonly migrations: string;
  readonly retentionHorizon: string;
  readonly consumers: string;
  readonly consumerPartitions: string;
  readonly consumerMembers: string;
  readonly deadLetters: string;
  readonly eventRollups: string;
  readonly rollups: string;
}

/**
 * Checks a schema name given by the host (it is spliced into SQL, so only plain identifiers
 * pass) and returns the qualified table names. @internal
 */
export function tableNames(schema: string = DEFAULT_SCHEMA, field = 'schema'): TableNames {
  if (typeof schema !== 'string' || !IDENTIFIER.test(schema)) {
    throw new ValidationError(field, 'VALIDATION_RANGE', `must be ${ACCEPTS}`);
  }
  const schemaSql = quoteIdentifier(schema);
  return {
    schema,
    schemaSql,
    eventLogs: `${schemaSql}."event_logs"`,
    eventOutbox: `${schemaSql}."event_outbox"`,
    eventInbox: `${schemaSql}."event_inbox"`,
    migrations: `${schemaSql}."eventrail_migrations"`,
    retentionHorizon: `${schemaSql}."retention_horizon"`,
    consumers: `${schemaSql}."consumers"`,
    consumerPartitions: `${schemaSql}."consumer_partitions"`,
    consumerMembers: `${schemaSql}."consumer_members"`,
    deadLetters: `${schemaSql}."dead_letters"`,
    eventRollups: `${schemaSql}."event_rollups"`,
    rollups: `${schemaSql}."rollups"`,
  };
}

/**
 * The `schema` option of every Postgres part and function: the Postgres schema of eventrail's
 * tables, as given to `migrate`. @internal
 */
export function schemaSpec(): Spec<string> {
  return custom(ACCEPTS, (value, field) => tableNames(value as string, field).schema).default(
    DEFAULT_SCHEMA,
  );
}
