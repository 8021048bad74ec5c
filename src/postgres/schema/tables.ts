import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  type PgTableFn,
  pgSchema,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { JsonObject } from '../../event/json.js';
import { DEFAULT_SCHEMA, OUTBOX_STATUSES, type OutboxStatus } from './constants.js';

export { DEFAULT_SCHEMA, OUTBOX_STATUSES, type OutboxStatus } from './constants.js';

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A 64-bit transaction id (`xid8`), read as a decimal string. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/**
 * The envelope columns shared by `event_logs` and `event_outbox` (see `EventRecord`). The id is
 * the outbox's primary key; `event_logs` keys on `(id, created_at)` instead (see below).
 */
function envelopeColumns() {
  return {
    /** The event id (see `EventRecord.id`). */
    id: uuid('id').notNull(),
    /** The event type (`EventRecord.type`). */
    eventType: text('event_type').notNull(),
    /** The user the event belongs to. */
    userId: text('user_id').notNull(),
    /** The project, or NULL. */
    projectId: text('project_id'),
    /** Tenant or organization, or NULL. */
    tenantId: text('tenant_id'),
    /** The session, or NULL. */
    sessionId: text('session_id'),
    /** The agent the event is about, or NULL. */
    agentId: text('agent_id'),
    /** Kind of the business object the event is about, or NULL. */
    aggregateType: text('aggregate_type'),
    /** Id of that business object, or NULL. */
    aggregateId: text('aggregate_id'),
    /** The workflow run, or NULL. */
    workflowId: text('workflow_id'),
    /** Ties the events of one request or trace together, or NULL. */
    correlationId: text('correlation_id'),
    /** Where the event comes from, or NULL. */
    source: text('source'),
    /** The payload, a JSON object (`{}` when none was given). */
    payload: jsonb('payload').$type<JsonObject>().notNull().default({}),
    /** Denormalized error code, or NULL. */
    errorCode: text('error_code'),
    /** Denormalized tool name, or NULL. */
    toolName: text('tool_name'),
    /** Denormalized approval status, or NULL. */
    approvalStatus: text('approval_status'),
    /** The event's own routing key for brokers, or NULL. */
    routingKey: text('routing_key'),
    /** The event's own message priority (0–255), or NULL. */
    priority: smallint('priority'),
    /** When the event happened. */
    occurredAt: timestamptz('occurred_at').notNull().defaultNow(),
    /** When the event was accepted; part of `event_logs`' key and its partition key. */
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  };
}

/** W3C trace and span id of the span active when the event was accepted (migration 0005). */
function traceColumns() {
  return {
    /** W3C trace id, or NULL when no span was active. */
    traceId: text('trace_id'),
    /** W3C span id, or NULL when no span was active. */
    spanId: text('span_id'),
  };
}

function outboxColumns() {
  return {
    ...envelopeColumns(),
    /** The event id: the outbox's primary key, and the id consumers receive. */
    id: uuid('id').primaryKey(),
    /** `pending`, `published` or `failed`. */
    status: text('status').$type<OutboxStatus>().notNull().default('pending'),
    /** Failed publish attempts so far. */
    retryCount: integer('retry_count').notNull().default(0),
    /** When the row is due (again). */
    nextRetryAt: timestamptz('next_retry_at').notNull().defaultNow(),
    /** A publisher's lease: the row is being published until then (NULL when not claimed). */
    lockedUntil: timestamptz('locked_until'),
    /** Which publisher holds the lease, for diagnostics. */
    lockedBy: text('locked_by'),
    /** When it was published, or NULL. */
    publishedAt: timestamptz('published_at'),
    /** The last publish error (`<sink>: <message>`), or NULL. */
    lastError: text('last_error'),
    ...traceColumns(),
  };
}

/**
 * Builds eventrail's drizzle tables in the given Postgres schema. Use it when the tables live
 * somewhere other than `eventrail` (pass the same name to `migrate`), e.g.
 * `export const { eventLogs, eventOutbox } = createEventrailTables('audit');` in the file your
 * drizzle-kit config reads. `'public'` is allowed.
 */
export function createEventrailTables(schemaName: string = DEFAULT_SCHEMA) {
  // pgSchema('public') is refused by drizzle; pgTable means the same there.
  const table: PgTableFn<string> =
    schemaName === 'public'
      ? (pgTable as unknown as PgTableFn<string>)
      : pgSchema(schemaName).table;

  // Range-partitioned on created_at by migration 0002, which drizzle-kit cannot express: a
  // partitioned table's primary key must include the partition key, hence (id, created_at).
  // A host generating its own migrations adds the PARTITION BY itself (docs/operations.md, Retention).
  const eventLogs = table(
    'event_logs',
    {
      ...envelopeColumns(),
      /**
       * The transaction that wrote the row: the live stream reads in (tx_id, id) order, and only
       * below the oldest transaction still open, so no row can land behind it (migration 0004).
       */
      txId: xid8('tx_id').notNull().default(sql`pg_current_xact_id()`),
      ...traceColumns(),
    },
    (t) => [
      primaryKey({ name: 'event_logs_pkey', columns: [t.id, t.createdAt] }),
      index('event_logs_tx_id_idx').on(t.txId, t.id),
      index('event_logs_session_created_idx').on(t.sessionId, t.createdAt),
      index('event_logs_user_created_idx').on(t.userId, t.createdAt),
      index('event_logs_project_created_idx').on(t.projectId, t.createdAt),
      index('event_logs_agent_idx').on(t.agentId),
      index('event_logs_type_idx').on(t.eventType),
      index('event_logs_tenant_created_idx').on(t.tenantId, t.createdAt.desc()),
      index('event_logs_workflow_created_idx').on(t.workflowId, t.createdAt),
      index('event_logs_aggregate_created_idx').on(
        t.aggregateType,
        t.aggregateId,
        t.createdAt.desc(),
      ),
      index('event_logs_payload_idx').using('gin', t.payload.op('jsonb_path_ops')),
      // Reads by trace; untraced events (NULL) stay out of it and cost no index write.
      index('event_logs_trace_idx').on(t.traceId).where(sql`${t.traceId} IS NOT NULL`),
    ],
  );

  const eventOutbox = table('event_outbox', outboxColumns(), (t) => [
    check(
      'event_outbox_status_check',
      sql`${t.status} in (${sql.raw(OUTBOX_STATUSES.map((s) => `'${s}'`).join(', '))})`,
    ),
    // Reads by status, such as the failed rows reprocessFailed looks for.
    index('event_outbox_status_retry_created_idx').on(t.status, t.nextRetryAt, t.createdAt),
    // The claim's index: pending rows alone, in claim order. Marking a row published or failed
    // adds nothing here, so the claim never wades through settled history.
    index('event_outbox_pending_due_idx')
      .on(t.nextRetryAt, t.createdAt)
      .where(sql`${t.status} = 'pending'`),
    // The claim of `ordering: 'aggregate'` asks "does this aggregate have an older pending
    // row?" once per candidate; only pending rows are in this index, so the answer costs one
    // probe however long the aggregate's published history or the backlog is.
    index('event_outbox_pending_aggregate_idx')
      .on(t.aggregateId, t.createdAt)
      .where(sql`${t.status} = 'pending'`),
    // No index by project, user or aggregate alone: the outbox is a queue, read by the claim,
    // and event_logs is the copy to query. Each index here costs the writer's transaction an
    // insert and every settlement another (migration 0006 dropped three such).
  ]);

  // A consumer's record of the events it handled (the Inbox): one row per consumer and event.
  const eventInbox = table(
    'event_inbox',
    {
      /** The consumer's name. */
      consumer: text('consumer').notNull(),
      /** The event it handled. */
      eventId: uuid('event_id').notNull(),
      /** When it handled it. */
      handledAt: timestamptz('handled_at').notNull().defaultNow(),
    },
    (t) => [
      primaryKey({ name: 'event_inbox_pkey', columns: [t.consumer, t.eventId] }),
      // Purge deletes the oldest rows first.
      index('event_inbox_handled_idx').on(t.handledAt),
    ],
  );

  // What retention removed (migration 0007): `maintain` raises it as it drops partitions and
  // deletes the default partition's expired rows. One row; none until the first removal.
  const retentionHorizon = table(
    'retention_horizon',
    {
      /** Always 1: the table has one row. */
      id: smallint('id').primaryKey().default(1),
      /** Every row created before this may be gone; none created at or after it was removed. */
      expiredBefore: timestamptz('expired_before').notNull(),
      /** The highest stream position, `(tx_id, id)`, among the rows removed. */
      throughTxId: xid8('through_tx_id').notNull(),
      /** The event id of that position. */
      throughId: uuid('through_id').notNull(),
      /** When retention last raised it. */
      updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    },
    (t) => [check('retention_horizon_one_row', sql`${t.id} = 1`)],
  );

  // A durable consumer (migration 0007): its partition count and where a new one starts.
  const consumers = table('consumers', {
    /** The consumer's name (its group). */
    name: text('name').primaryKey(),
    /** How many partitions its events are split into. */
    partitions: integer('partitions').notNull(),
    /** `from` as a time: only events created at or after it are handled. NULL: no bound. */
    fromTime: timestamptz('from_time'),
    /** When it was first started. */
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  });

  // Each partition of a consumer: its checkpoint (the last stream position handled, committed
  // in the handler's transaction) and the member that leases it.
  const consumerPartitions = table(
    'consumer_partitions',
    {
      /** The consumer's name. */
      consumer: text('consumer').notNull(),
      /** The partition's number, from 0. */
      partition: integer('partition').notNull(),
      /** The checkpoint's transaction id. */
      positionTxId: xid8('position_tx_id').notNull(),
      /** The checkpoint's event id. */
      positionId: uuid('position_id').notNull(),
      /** The member that leases the partition, or NULL. */
      owner: text('owner'),
      /** When that lease ends, or NULL. */
      leaseUntil: timestamptz('lease_until'),
      /** When the checkpoint last moved. */
      updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    },
    (t) => [primaryKey({ name: 'consumer_partitions_pkey', columns: [t.consumer, t.partition] })],
  );

  // The members of a consumer group that are alive: each renews its row; the partitions are
  // shared among those seen within a lease.
  const consumerMembers = table(
    'consumer_members',
    {
      /** The consumer's name. */
      consumer: text('consumer').notNull(),
      /** The member's id. */
      member: text('member').notNull(),
      /** When the member last renewed its row. */
      seenAt: timestamptz('seen_at').notNull().defaultNow(),
    },
    (t) => [primaryKey({ name: 'consumer_members_pkey', columns: [t.consumer, t.member] })],
  );

  // Events a consumer's handler kept failing on, parked with their key: later events of a
  // parked key are parked behind them, so the key's order holds; the other keys go on.
  const deadLetters = table(
    'dead_letters',
    {
      /** The consumer's name. */
      consumer: text('consumer').notNull(),
      /** The parked event's id. */
      eventId: uuid('event_id').notNull(),
      /** Its `created_at`, to find it in `event_logs`. */
      eventCreatedAt: timestamptz('event_created_at').notNull(),
      /** Its stream position's transaction id. */
      positionTxId: xid8('position_tx_id').notNull(),
      /** The partition its key hashes to. */
      partition: integer('partition').notNull(),
      /** Its key (aggregate id, else session id, else user id). */
      key: text('key').notNull(),
      /** Failed attempts (0 for an event parked behind another). */
      attempts: integer('attempts').notNull(),
      /** The handler's last error, or NULL. */
      lastError: text('last_error'),
      /** When it was parked. */
      parkedAt: timestamptz('parked_at').notNull().defaultNow(),
      /** Set by `eventrail dead-letters retry`: a running member sends them back through its handler. */
      requestedAt: timestamptz('requested_at'),
    },
    (t) => [
      primaryKey({ name: 'dead_letters_pkey', columns: [t.consumer, t.eventId] }),
      index('dead_letters_key_idx').on(t.consumer, t.key, t.positionTxId, t.eventId),
    ],
  );

  // Rollups (migration 0008): event counts per scope, time bucket, type, agent, error code and
  // tool, at three grains (`grain` in seconds: 900, 3600, 86400). A dimension without a value is
  // stored as '' (a unique key cannot hold NULLs as equal before Postgres 15): intake refuses
  // empty strings, so '' is never a value. Maintained by a `RollupWorker` in commit order.
  const eventRollups = table(
    'event_rollups',
    {
      /** The user the events belong to. */
      userId: text('user_id').notNull(),
      /** Which dimensions the row keeps (the others are ''): see src/postgres/rollups/levels.ts. */
      level: smallint('level').notNull(),
      /** The bucket's width in seconds: 900, 3600 or 86400. */
      grain: integer('grain').notNull(),
      /** The bucket's start. */
      bucket: timestamptz('bucket').notNull(),
      /** The project, or '' for none. */
      projectId: text('project_id').notNull(),
      /** The tenant, or '' for none. */
      tenantId: text('tenant_id').notNull(),
      /** The event type. */
      eventType: text('event_type').notNull(),
      /** The agent, or '' for none. */
      agentId: text('agent_id').notNull(),
      /** The error code, or '' for none. */
      errorCode: text('error_code').notNull(),
      /** The tool, or '' for none. */
      toolName: text('tool_name').notNull(),
      /** How many events of that scope, bucket and dimensions. */
      events: bigint('events', { mode: 'number' }).notNull(),
    },
    (t) => [
      uniqueIndex('event_rollups_key').on(
        t.userId,
        t.level,
        t.grain,
        t.bucket,
        t.projectId,
        t.tenantId,
        t.eventType,
        t.agentId,
        t.errorCode,
        t.toolName,
      ),
      index('event_rollups_bucket_idx').on(t.bucket),
    ],
  );

  // Each rollup's state: the checkpoint (the last event folded in, in commit order), the
  // worker that leases it, whether its rows are complete (built from every stored event), and a
  // custom rollup's definition (NULL: the built-in one, `event_rollups`), which `maintain` and
  // `eventrail rollups rebuild` read its table's shape from.
  const rollups = table('rollups', {
    /** The rollup's name. */
    name: text('name').primaryKey(),
    /** A custom rollup's definition (its table's shape), or NULL for the built-in one. */
    definition: jsonb('definition'),
    /** The checkpoint's transaction id: the last event folded in. */
    positionTxId: xid8('position_tx_id').notNull(),
    /** The checkpoint's event id. */
    positionId: uuid('position_id').notNull(),
    /** Whether its rows were built from every stored event. */
    complete: boolean('complete').notNull().default(false),
    /** The worker that leases it, or NULL. */
    owner: text('owner'),
    /** When that lease ends, or NULL. */
    leaseUntil: timestamptz('lease_until'),
    /** When the checkpoint last moved. */
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  });

  return {
    /** `event_logs`: every logged event, one row each. */
    eventLogs,
    /** `event_outbox`: events written in the caller's transaction, waiting to be published. */
    eventOutbox,
    /** `event_inbox`: the events each consumer handled through an `Inbox`. */
    eventInbox,
    /** `retention_horizon`: what retention removed. */
    retentionHorizon,
    /** `consumers`: the durable consumers. */
    consumers,
    /** `consumer_partitions`: each consumer partition's checkpoint and lease. */
    consumerPartitions,
    /** `consumer_members`: the live members of each consumer group. */
    consumerMembers,
    /** `dead_letters`: events parked by a consumer whose handler kept failing on them. */
    deadLetters,
    /** `event_rollups`: event counts per scope, time bucket and dimensions. */
    eventRollups,
    /** `rollups`: each rollup's checkpoint, lease and completeness. */
    rollups,
  };
}

const tables = createEventrailTables();

/** `eventrail.event_logs`: every logged event, one row each. */
export const eventLogs = tables.eventLogs;
/** `eventrail.event_outbox`: events written in the caller's transaction, waiting to be published. */
export const eventOutbox = tables.eventOutbox;
/** `eventrail.event_inbox`: the events each consumer handled through an `Inbox`, one row each. */
export const eventInbox = tables.eventInbox;
/** `eventrail.retention_horizon`: what retention removed (one row, from the first removal on). */
export const retentionHorizon = tables.retentionHorizon;
/** `eventrail.consumers`: the durable consumers, their partition count and starting time. */
export const consumers = tables.consumers;
/** `eventrail.consumer_partitions`: each consumer partition's checkpoint and lease. */
export const consumerPartitions = tables.consumerPartitions;
/** `eventrail.consumer_members`: the live members of each consumer group. */
export const consumerMembers = tables.consumerMembers;
/** `eventrail.dead_letters`: events parked by a consumer whose handler kept failing on them. */
export const deadLetters = tables.deadLetters;
/** `eventrail.event_rollups`: event counts per scope, time bucket and dimensions (see `RollupWorker`). */
export const eventRollups = tables.eventRollups;
/** `eventrail.rollups`: each rollup's checkpoint, lease and completeness. */
export const rollups = tables.rollups;
