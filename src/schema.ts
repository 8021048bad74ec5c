/**
 * eventrail's drizzle tables alone, for a host's drizzle-kit config or typed queries:
 * `schema: ['./src/db/schema.ts', './node_modules/eventrail/dist/schema.js']`.
 * @packageDocumentation
 */
import { pgSchema } from 'drizzle-orm/pg-core';
import { DEFAULT_SCHEMA } from './postgres/schema/tables.js';

export {
  consumerMembers,
  consumerPartitions,
  consumers,
  createEventrailTables,
  DEFAULT_SCHEMA,
  deadLetters,
  eventInbox,
  eventLogs,
  eventOutbox,
  eventRollups,
  OUTBOX_STATUSES,
  type OutboxStatus,
  retentionHorizon,
  rollups,
} from './postgres/schema/tables.js';

/** The `eventrail` Postgres schema; exported so that a host's drizzle-kit creates it. */
export const eventrailSchema = pgSchema(DEFAULT_SCHEMA);
