import type { EventRecord } from './types.js';

/**
 * The event as one JSON object: every envelope field in camelCase, timestamps as ISO 8601, and
 * the payload snapshot taken at intake. Used for console lines and broker message bodies.
 */
export function eventToJson(event: EventRecord, extra?: Record<string, unknown>): string {
  const head = JSON.stringify({
    id: event.id,
    type: event.type,
    userId: event.userId,
    projectId: event.projectId,
    tenantId: event.tenantId,
    sessionId: event.sessionId,
    agentId: event.agentId,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    workflowId: event.workflowId,
    correlationId: event.correlationId,
    source: event.source,
    errorCode: event.errorCode,
    toolName: event.toolName,
    approvalStatus: event.approvalStatus,
    routingKey: event.routingKey,
    priority: event.priority,
    occurredAt: event.occurredAt,
    createdAt: event.createdAt,
    traceId: event.traceId,
    spanId: event.spanId,
    ...extra,
  });
  return `${head.slice(0, -1)},"payload":${event.payloadJson}}`;
}
