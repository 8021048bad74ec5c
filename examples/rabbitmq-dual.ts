// examples/rabbitmq-dual.ts
import { EventLogger, type EventRecord } from 'eventrail';
import { migrate, PostgresSink } from 'eventrail/postgres';
import { RabbitMQSink } from 'eventrail/rabbitmq';
import pg from 'pg';

// Routing keys and priorities of the enrichment events (a catalog like seed 004's).
function routingKey(event: EventRecord): string {
  const { stage, severity } = event.payload;
  switch (event.type) {
    case 'stage_started':
    case 'stage_completed':
      return `cns.stage.${stage}.${event.type === 'stage_started' ? 'started' : 'completed'}`;
    case 'risk_alert':
      return `cns.risk.alert.${severity}`;
    default: // processing_started → cns.processing.started, error → cns.error, ...
      return `cns.${event.type.replace('_', '.')}`;
  }
}

const PRIORITIES: Record<string, number> = {
  workflow_paused: 9,
  workflow_resumed: 9,
  error: 8,
  processing_started: 7,
  stage_started: 6,
  stage_completed: 6,
  enrichment_progress: 4, // frequent, so low
};

function priority(event: EventRecord): number {
  if (event.type === 'risk_alert') return event.payload.severity === 'critical' ? 8 : 7;
  return PRIORITIES[event.type] ?? 5;
}

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
pool.on('error', (error) => console.error('idle Postgres client failed:', error.message));
await migrate({ db: pool });

const exchange = process.env.AMQP_EXCHANGE ?? 'cns.events';
const rabbit = new RabbitMQSink({
  url: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  exchange, // a durable topic exchange, declared by the sink
  queues: [{ queue: `${exchange}.monitor`, bindingKeys: ['cns.#'], options: { maxPriority: 10 } }],
  routingKey,
  priority,
});
rabbit.on('state', (state) => console.log('rabbitmq:', state));
// The connection lost, an attempt that failed: faults in the background are `error` events.
rabbit.on('error', (error) => console.error('rabbitmq:', error.code, error.message));

// Each sink has its own queue and worker: RabbitMQ being down never slows the Postgres writes.
const logger = new EventLogger({ sinks: [new PostgresSink({ db: pool }), rabbit] });
logger.on('error', (error) => console.error('eventrail:', error.message));

const bom = {
  userId: 'user-42',
  tenantId: 'org-1',
  projectId: 'project-1',
  aggregateType: 'bom',
  aggregateId: 'bom-7',
  workflowId: 'enrich-bom-7',
  source: 'customer',
};
await logger.logEvent({ ...bom, type: 'processing_started', payload: { total_items: 2 } });
await logger.logEvent({ ...bom, type: 'stage_started', payload: { stage: 'enrichment' } });
for (const mpn of ['LM358DR', 'NE555P']) {
  await logger.logEvent({
    ...bom,
    type: 'enrichment_progress',
    payload: { mpn, status: 'matched' },
  });
}
await logger.logEvent({
  ...bom,
  type: 'risk_alert',
  payload: { severity: 'critical', mpn: 'NE555P' },
});
await logger.logEvent({ ...bom, type: 'stage_completed', payload: { stage: 'enrichment' } });

const summary = await logger.close({ timeoutMs: 5000 });
console.log(JSON.stringify(summary.sinks)); // both: {"received":6,"written":6,"fallback":0,"dropped":0}
console.log(rabbit.metrics()); // state 'closed', published 6, confirmed 6, connects 1, ...
await pool.end();
