import type { JsonObject } from './json.js';

/**
 * What a caller logs. Only `type` and `userId` are required; everything else is optional and
 * stored as NULL when absent. `TType` and `TPayload` narrow the type and payload for typed
 * catalogs; plain use needs neither.
 */
export interface EventInput<TType extends string = string, TPayload extends object = object> {
  /** Event id, a UUID. Generated (UUIDv7, time-ordered) when absent; it is the idempotency key. */
  id?: string;
  /** What happened, e.g. `TOOL_REQUEST`, `AGENT_SWITCHED`, `processing_started`. Required. */
  type: TType;
  /** The user the event belongs to; every read is scoped by it. Required. */
  userId: string;
  /** The project the event belongs to; reads may be scoped by it. */
  projectId?: string | null;
  /** Tenant or organization. */
  tenantId?: string | null;
  /** The session (a conversation, a run) the event belongs to. */
  sessionId?: string | null;
  /** The agent the event is about; leave out (NULL) when it is not about an agent. */
  agentId?: string | null;
  /** Kind of the business object the event is about, e.g. `bom`, `chat`, `workflow`. */
  aggregateType?: string | null;
  /** Id of the business object the event is about (with `aggregateType`), e.g. a BOM's id. */
  aggregateId?: string | null;
  /** The workflow run the event belongs to. */
  workflowId?: string | null;
  /** Ties events of one request or trace together; sent as the AMQP correlation id. */
  correlationId?: string | null;
  /** Where the event comes from, e.g. `customer`, `staff`, a service name. */
  source?: string | null;
  /**
   * A plain JSON object, stored as jsonb. Serialized (and so snapshotted) when the event is
   * accepted. `undefined` values, functions, BigInt, NaN and non-plain objects are refused.
   * @default {}
   */
  payload?: TPayload;
  /** When the event happened, if not now: a Date, an ISO 8601 string or epoch milliseconds. */
  occurredAt?: Date | string | number;
  /** Denormalized error code; taken from `payload.error_code` of ERROR events when absent. */
  errorCode?: string | null;
  /** Denormalized tool name; taken from `payload.tool_name` of TOOL_* events when absent. */
  toolName?: string | null;
  /** Denormalized approval status; taken from `payload.approval_status` of APPROVAL_* events. */
  approvalStatus?: string | null;
  /** Routing key for brokers (at most 255 characters); sinks may compute their own. */
  routingKey?: string | null;
  /** Message priority for brokers, an integer 0–255. */
  priority?: number | null;
}

/**
 * A validated, normalized event: what sinks receive and what is stored. Immutable once created;
 * `payloadJson` is the snapshot taken at intake and is what sinks must write.
 */
export interface EventRecord {
  /** The event id (a UUID; UUIDv7 when generated), fixed at intake: the idempotency key. */
  readonly id: string;
  /** What happened, e.g. `TOOL_REQUEST`. */
  readonly type: string;
  /** The user the event belongs to. */
  readonly userId: string;
  /** The project, or null. */
  readonly projectId: string | null;
  /** Tenant or organization, or null. */
  readonly tenantId: string | null;
  /** The session, or null. */
  readonly sessionId: string | null;
  /** The agent the event is about, or null. */
  readonly agentId: string | null;
  /** Kind of the business object the event is about, or null. */
  readonly aggregateType: string | null;
  /** Id of the business object the event is about, or null. */
  readonly aggregateId: string | null;
  /** The workflow run, or null. */
  readonly workflowId: string | null;
  /** Ties events of one request or trace together, or null. */
  readonly correlationId: string | null;
  /** Where the event comes from, or null. */
  readonly source: string | null;
  /** The payload as the caller passed it. Sinks should write {@link EventRecord.payloadJson}. */
  readonly payload: JsonObject;
  /** The payload serialized at intake. */
  readonly payloadJson: string;
  /** Denormalized error code (given, or taken from the payload of an ERROR event), or null. */
  readonly errorCode: string | null;
  /** Denormalized tool name (given, or taken from the payload of a TOOL_* event), or null. */
  readonly toolName: string | null;
  /**
   * Denormalized approval status (given, or taken from the payload of an APPROVAL_* event), or
   * null.
   */
  readonly approvalStatus: string | null;
  /** The event's own routing key for brokers, or null (a sink then computes one). */
  readonly routingKey: string | null;
  /** The event's own message priority (0–255), or null. */
  readonly priority: number | null;
  /** When the event happened: `occurredAt` if the caller gave one, else `createdAt`. */
  readonly occurredAt: Date;
  /** When eventrail accepted the event. */
  readonly createdAt: Date;
  /** W3C trace id of the span active when the event was accepted (with `eventrail/otel`). */
  readonly traceId: string | null;
  /** W3C span id of that span. */
  readonly spanId: string | null;
}
